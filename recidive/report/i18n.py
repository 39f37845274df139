"""Text catalogues of the recidivism section, Dutch (``nl``) and English (``en``).

Every word the report prints comes from here or from a template; numbers are
inserted with :mod:`recidive.report.formatting`. Keys are shared by both languages.
"""

from __future__ import annotations

from recidive import defaults
from recidive._arguments import check_lang
from recidive.report.i18n_monitor import MONITOR_TEXTS

CATALOGUES: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Recidive",
        "population_forms": "daders van {forms}",
        "population_all": "daders van mensenhandel",
        "or": "of",
        "benchmark_label": "alle volwassen daders",
        # headline
        "headline_prefix": "RECIDIVE IS",
        "and": "en",
        "headline_neutral": "RECIDIVE BINNEN {h} JAAR: {r}",
        "q_high": "hoog",
        "q_fast": "snel",
        "q_serious": "ernstig",
        "q_young": "jong",
        # how high
        "high_yes": "De recidive van {pop} is hoog: {r} recidiveert binnen {h} jaar.",
        "high_lower": (
            "De recidive van {pop} is lager dan die van {bench}: {r} recidiveert binnen {h} jaar."
        ),
        "high_no": (
            "De recidive van {pop} is niet duidelijk hoger dan die van {bench}: "
            "{r} recidiveert binnen {h} jaar."
        ),
        "high_missing": "De recidive binnen {h} jaar kan niet worden gerapporteerd.",
        # how fast
        "fast_yes_after": (
            "Bovendien is de recidive snel: {r} van de daders recidiveert al binnen {h} jaar{mid}."
        ),
        "fast_yes": "De recidive is wel snel: {r} van de daders recidiveert al binnen {h} jaar{mid}.",
        "fast_no": "Binnen {h} jaar recidiveert {r} van de daders, tegen {b} van {bench}{mid}.",
        "fast_mid_yes": " en {r} binnen {h} jaar",
        "fast_mid_no": "; binnen {h} jaar is dat {r}",
        "fast_missing": "De recidive binnen {h} jaar kan niet worden gerapporteerd.",
        # how serious
        "serious_yes_after": "Ook is de recidive ernstig: binnen {h} jaar recidiveert {items}.",
        "serious_yes": "De recidive is wel ernstig: binnen {h} jaar recidiveert {items}.",
        "serious_no": "Binnen {h} jaar recidiveert {items}.",
        "serious_missing": "De recidive per soort delict kan niet worden gerapporteerd.",
        "item_property": "{r} met vermogensdelicten",
        "item_violence": "{r} met geweldsdelicten",
        "item_drugs": "{r} met drugsdelicten",
        "item_human_trafficking": "{r} met wederom mensenhandel",
        "item_sexual": "{r} met zedendelicten",
        "item_other": "{r} met {name}",
        # how young
        "young_yes": (
            "Daders die recidiveren zijn vaak jong: van wie binnen {h} jaar recidiveert, is {r} "
            "jonger dan {cut} jaar."
        ),
        "young_no": (
            "Van wie binnen {h} jaar recidiveert, is {r} jonger dan {cut} jaar, tegen {b} van "
            "alle daders."
        ),
        "young_missing": "De leeftijd van recidivisten kan niet worden gerapporteerd.",
        # names
        "crit_general": "Algemene recidive",
        "crit_property": "Vermogensdelicten",
        "crit_violence": "Geweldsdelicten",
        "crit_drugs": "Drugsdelicten",
        "crit_human_trafficking": "Mensenhandel",
        "crit_sexual": "Zedendelicten",
        "crit_serious": "Ernstige delicten",
        "crit_very_serious": "Zeer ernstige delicten",
        "all": "Totaal",
        "cov_young": "Jonger dan 23 jaar (ref. 23+)",
        "cov_female": "Vrouw (ref. man)",
        "cov_prior_cases": "Aantal eerdere zaken (per zaak)",
        "cov_form": "Uitbuitingsvorm: {name} (ref. {ref})",
        # table headers
        "h_horizon": "Jaren",
        "h_criterion": "Soort recidive",
        "h_age_group": "Leeftijd",
        "h_rate": "Recidive",
        "h_ci": "95%-BI",
        "h_ci_level": "{level}%-BI",
        "h_n": "N",
        "h_covariate": "Kenmerk",
        "h_hr": "Hazard ratio",
        "h_p": "p",
        "h_n_level": "N met kenmerk",
        "h_standardised": "Gestandaardiseerde recidive na {h} jaar",
        "h_step": "Stap",
        "h_reason": "Reden",
        "h_excluded": "Uitgesloten",
        "h_table": "Tabel",
        "years": "{h} jaar",
        "year_one": "1 jaar",
        # table titles
        "t_general": "Tabel {k}. Algemene recidive na 1 tot en met {hmax} jaar",
        "t_by_type": "Tabel {k}. Recidive per soort delict na {hs} jaar",
        "t_by_age": "Tabel {k}. Algemene recidive naar leeftijd bij het plegen van het delict",
        "t_cox": "Tabel {k}. Cox-model van de algemene recidive (hazard ratios)",
        "t_standardised": (
            "Tabel {k}. Voor de kenmerken in het Cox-model gestandaardiseerde recidive na "
            "{h} jaar, naar leeftijd"
        ),
        "t_attrition": "Tabel {k}. Selectie van het cohort",
        # figures
        "f_cumulative": "Figuur {k}. Cumulatieve algemene recidive met {level}%-betrouwbaarheidsinterval",
        "f_by_type": "Figuur {k}. Recidive binnen {h} jaar per soort delict",
        "f_by_age": "Figuur {k}. Algemene recidive naar leeftijd ({p}, log-ranktoets)",
        "ax_years": "Jaren sinds het begin van de observatieperiode",
        "ax_rate": "Cumulatieve recidive",
        "ax_at_risk": "Nog gevolgd",
        "ax_benchmark": "{bench} ({b} na {h} jaar)",
        "ax_rate_at": "Recidive binnen {h} jaar",
        "age_young": "jonger dan {cut}",
        "age_old": "{cut} jaar en ouder",
        # notes
        "note_suppressed": (
            "× = niet gepubliceerd (onthullingscontrole): berust op minder dan {m} personen, "
            "of zou samen met een andere gepubliceerde waarde een aantal onder {m} onthullen."
        ),
        "note_insufficient": (
            "— = niet te schatten: de observatieperiode is te kort voor deze termijn "
            "(status insufficient_follow_up)."
        ),
        "note_ci": "BI: {level}%-betrouwbaarheidsinterval ({conf_type}).",
        "note_cox": (
            "Cox-model (Efron voor gelijke tijden); hazard ratio > 1 betekent sneller recidive."
        ),
        # section headings
        "note_cox_dropped": (
            "Niet in het model (minder dan {m} personen of geen recidive aan één kant): {names}."
        ),
        "s_key": "Kernpunten",
        "s_context": "Context",
        "s_figures": "Figuren",
        "s_tables": "Tabellen",
        "s_method": "Methode",
        "s_provenance": "Herkomst",
        # method box
        "m_data": "Gegevens",
        "m_data_text": (
            "Gepseudonimiseerde justitiële documentatie; {n_read} personen ingelezen, "
            "datum van de gegevensstand {cutoff}."
        ),
        "m_cohort": "Cohort",
        "m_cohort_text": "{n} {pop} (N na selectie, zie de selectietabel).",
        "m_reoffence": "Recidive",
        "m_reoffence_text": (
            "Een nieuw misdrijf, gepleegd na het begin van de observatieperiode en uiterlijk op "
            "het einde ervan, dat niet is afgedaan met vrijspraak, ontslag van rechtsvervolging of "
            "technisch sepot. Per soort delict telt de eerste nieuwe zaak met een delict van "
            "die soort; de soorten overlappen."
        ),
        "m_start": "Begin van de observatieperiode",
        "m_start_text": (
            "Bij het einde van de detentie voor de indexzaak, anders bij de afdoening ervan."
        ),
        "m_end": "Einde van de observatieperiode",
        "m_end_text": (
            "De einddatum van de observatie (de datum van de gegevensstand), of eerder bij "
            "overlijden of emigratie (gecensureerd). Mediane observatieperiode {median} jaar."
        ),
        "m_estimator": "Schatter",
        "m_estimator_text": (
            "Kaplan-Meier; cumulatieve recidive = 1 − S(t) op de termijn; Greenwood-variantie."
        ),
        "m_ci": "Betrouwbaarheidsinterval",
        "m_ci_text": "{level}%, puntsgewijs, {conf_type}-transformatie.",
        "m_disclosure": "Onthullingscontrole",
        "m_disclosure_text": (
            "drempel {m} personen. Niet gepubliceerd (×) worden groepen van minder dan {m} "
            "personen (ook een lege groep) en percentages waarbij minder dan {m} personen nog "
            "gevolgd worden of waarachter meer dan 0 maar minder dan {m} recidivisten zitten. "
            "Tussen twee "
            "gepubliceerde tijdstippen van één curve (in tabel of figuur) liggen 0 of ten "
            "minste {m} recidivisten, ook voor het totaal min de zichtbare groepen en voor "
            "algemene recidive min een soort delict (secundaire onderdrukking). De curves stappen op hele maanden, met ten minste {m} "
            "recidivisten per stap, en stoppen waar minder dan {m} personen nog gevolgd worden; "
            "op de gepubliceerde termijnen gaan ze door de waarden van de tabellen. De tabellen "
            "geven geen aantallen recidivisten of nog gevolgden; percentages op 0,1% (tabellen) "
            "of 1% (tekst), de mediane observatieperiode op halve jaren. De aantallen nog gevolgd onder "
            "de figuur verschillen onderling, en van de recidivisten, met 0 of ten minste {m}; "
            "het Cox-model gebruikt alleen kenmerken met ten minste {m} personen en {m} "
            "recidivisten aan elke kant. Onder {least} personen wordt geen sectie gemaakt."
        ),
        "m_disclosure_off": (
            "uitgeschakeld (drempel 1 persoon): alleen voor analyse binnen de beveiligde "
            "omgeving, niet voor publicatie."
        ),
        "m_benchmark": "Vergelijking",
        "m_benchmark_text": "{bench}: {b} binnen {h} jaar ({source}).",
        "m_qualifiers": "Kwalificaties",
        "m_qualifiers_text": (
            "hoog: de ondergrens van het BI van de {hb}-jaarsrecidive ligt boven {b}, of de "
            "{hh}-jaarsrecidive is ten minste {high}; snel: ten minste {share} van de "
            "{hh}-jaarsrecidive valt binnen {hb} jaar en de {hb}-jaarsrecidive ligt boven {b}; "
            "ernstig: de ondergrens van het BI van de {hq}-jaarsrecidive met een ernstig delict "
            "(strafmaximum {s} jaar of meer) ligt boven {srate}, de algemene {hq}-jaarsrecidive "
            "van {bench} (en dus boven hun ernstige recidive, die niet hoger kan zijn); jong: "
            "het aandeel jonger dan {cut} is onder wie binnen {hh} jaar recidiveert "
            "(gecorrigeerd voor ongelijke observatieperiodes) groter dan onder alle daders."
        ),
        "m_followup": "Mediane observatieperiode: {median} jaar.",
        "p_version": "Pakketversie",
        "p_fingerprint": "Vingerafdruk van de gegevens",
        "p_rules": "Regels",
        "p_generated": "Gemaakt op",
        "persons": "personen",
        "cases": "zaken",
        "step_outside_population": "buiten de onderzoekspopulatie",
        "step_died_before_start": "overleden voor het begin van de observatieperiode",
        "step_emigrated_before_start": "geëmigreerd voor het begin van de observatieperiode",
        "step_start_after_end": (
            "begin van de observatieperiode op of na de einddatum van de observatie"
        ),
        "step_person_excluded": "persoon uitgesloten",
        "step_not_a_crime": "geen misdrijf",
        "step_disposal_not_counting": (
            "afdoening telt niet mee (technisch sepot, vrijspraak, ontslag van rechtsvervolging)"
        ),
        "step_offence_before_start": "delict op of voor het begin van de observatieperiode",
        "step_offence_after_end": "delict na het einde van de observatieperiode",
        "step_offence_after_cutoff": "delict gepleegd na de einddatum van de observatie",
        # the cohort rules, in the method box (recidive.report.rules_sentences)
        "rule_start_release": (
            "De observatieperiode begint bij het einde van de detentie voor de indexzaak, "
            "anders bij de afdoening van de indexzaak."
        ),
        "rule_start_disposal": "De observatieperiode begint bij de afdoening van de indexzaak.",
        "rule_crimes": (
            "Recidive is een nieuw misdrijf, gepleegd na het begin en uiterlijk op het einde "
            "van de observatieperiode."
        ),
        "rule_all_cases": (
            "Recidive is een nieuwe zaak (misdrijf of overtreding), gepleegd na het begin en "
            "uiterlijk op het einde van de observatieperiode."
        ),
        "rule_disposals": "Zaken afgedaan met {disposals} tellen niet mee.",
        "rule_end": (
            "De observatieperiode eindigt op de einddatum van de observatie (de datum van de "
            "gegevensstand){earlier}."
        ),
        "rule_earlier": ", of eerder bij ",
        "rule_or": " of ",
        "rule_death": "overlijden",
        "rule_emigration": "emigratie",
        "rule_lag": (
            "De laatste {days} dagen voor de einddatum van de observatie tellen niet mee "
            "(registratievertraging)."
        ),
        "rule_detention": "Dagen in detentie tellen niet mee als risicotijd.",
        "rule_serious": (
            "Ernstig: wettelijk strafmaximum van {serious} jaar of meer; zeer ernstig: "
            "{very_serious} jaar of meer."
        ),
    },
    "en": {
        "title": "Recidivism",
        "population_forms": "offenders of {forms}",
        "population_all": "human trafficking offenders",
        "or": "or",
        "benchmark_label": "all adult offenders",
        "headline_prefix": "RECIDIVISM IS",
        "and": "and",
        "headline_neutral": "RECIDIVISM WITHIN {h} YEARS: {r}",
        "q_high": "high",
        "q_fast": "fast",
        "q_serious": "serious",
        "q_young": "young",
        "high_yes": "Recidivism among {pop} is high: {r} reoffend within {h} years.",
        "high_lower": (
            "Recidivism among {pop} is lower than among {bench}: {r} reoffend within {h} years."
        ),
        "high_no": (
            "Recidivism among {pop} is not clearly higher than among {bench}: "
            "{r} reoffend within {h} years."
        ),
        "high_missing": "Recidivism within {h} years cannot be reported.",
        "fast_yes_after": (
            "Moreover, recidivism is fast: {r} of offenders reoffend within {h} years{mid}."
        ),
        "fast_yes": "Recidivism is fast, though: {r} of offenders reoffend within {h} years{mid}.",
        "fast_no": "Within {h} years, {r} of offenders reoffend, compared with {b} of {bench}{mid}.",
        "fast_mid_yes": " and {r} within {h} years",
        "fast_mid_no": "; within {h} years it is {r}",
        "fast_missing": "Recidivism within {h} years cannot be reported.",
        "serious_yes_after": "Recidivism is also serious: within {h} years, {items}.",
        "serious_yes": "Recidivism is serious, though: within {h} years, {items}.",
        "serious_no": "Within {h} years, {items}.",
        "serious_missing": "Recidivism by type of offence cannot be reported.",
        "item_property": "{r} with a property offence",
        "item_violence": "{r} with a violent offence",
        "item_drugs": "{r} with a drug offence",
        "item_human_trafficking": "{r} again with human trafficking",
        "item_sexual": "{r} with a sexual offence",
        "item_other": "{r} with {name}",
        "young_yes": (
            "Offenders who reoffend are often young: of those who reoffend within {h} years, "
            "{r} are younger than {cut}."
        ),
        "young_no": (
            "Of those who reoffend within {h} years, {r} are younger than {cut}, "
            "compared with {b} of all offenders."
        ),
        "young_missing": "The age of reoffenders cannot be reported.",
        "crit_general": "General recidivism",
        "crit_property": "Property offences",
        "crit_violence": "Violent offences",
        "crit_drugs": "Drug offences",
        "crit_human_trafficking": "Human trafficking",
        "crit_sexual": "Sexual offences",
        "crit_serious": "Serious offences",
        "crit_very_serious": "Very serious offences",
        "all": "Total",
        "cov_young": "Younger than 23 (ref. 23+)",
        "cov_female": "Female (ref. male)",
        "cov_prior_cases": "Number of prior cases (per case)",
        "cov_form": "Form of exploitation: {name} (ref. {ref})",
        "h_horizon": "Years",
        "h_criterion": "Type of recidivism",
        "h_age_group": "Age",
        "h_rate": "Recidivism",
        "h_ci": "95% CI",
        "h_ci_level": "{level}% CI",
        "h_n": "N",
        "h_covariate": "Characteristic",
        "h_hr": "Hazard ratio",
        "h_p": "p",
        "h_n_level": "N with characteristic",
        "h_standardised": "Standardised recidivism at {h} years",
        "h_step": "Step",
        "h_reason": "Reason",
        "h_excluded": "Excluded",
        "h_table": "Table",
        "years": "{h} years",
        "year_one": "1 year",
        "t_general": "Table {k}. General recidivism after 1 to {hmax} years",
        "t_by_type": "Table {k}. Recidivism by type of offence after {hs} years",
        "t_by_age": "Table {k}. General recidivism by age at the index offence",
        "t_cox": "Table {k}. Cox model of general recidivism (hazard ratios)",
        "t_standardised": (
            "Table {k}. Recidivism at {h} years by age, standardised for the characteristics "
            "in the Cox model"
        ),
        "t_attrition": "Table {k}. Cohort selection",
        "f_cumulative": "Figure {k}. Cumulative general recidivism with {level}% confidence interval",
        "f_by_type": "Figure {k}. Recidivism within {h} years by type of offence",
        "f_by_age": "Figure {k}. General recidivism by age ({p}, log-rank test)",
        "ax_years": "Years since the start of the observation period",
        "ax_rate": "Cumulative recidivism",
        "ax_at_risk": "At risk",
        "ax_benchmark": "{bench} ({b} at {h} years)",
        "ax_rate_at": "Recidivism within {h} years",
        "age_young": "younger than {cut}",
        "age_old": "{cut} and older",
        "note_suppressed": (
            "× = not published (disclosure control): rests on fewer than {m} persons, or "
            "would reveal a count under {m} together with another published value."
        ),
        "note_insufficient": (
            "— = not estimable: the observation period is too short for this horizon "
            "(status insufficient_follow_up)."
        ),
        "note_ci": "CI: {level}% confidence interval ({conf_type}).",
        "note_cox": "Cox model (Efron ties); a hazard ratio > 1 means faster recidivism.",
        "note_cox_dropped": (
            "Left out of the model (fewer than {m} persons or no reoffences on one side): {names}."
        ),
        "s_key": "Key findings",
        "s_context": "Context",
        "s_figures": "Figures",
        "s_tables": "Tables",
        "s_method": "Method",
        "s_provenance": "Provenance",
        "m_data": "Data",
        "m_data_text": (
            "Pseudonymised judicial records; {n_read} persons read, data cut-off (date of the "
            "extract's records) {cutoff}."
        ),
        "m_cohort": "Cohort",
        "m_cohort_text": "{n} {pop} (N after selection, see the selection table).",
        "m_reoffence": "Reoffence",
        "m_reoffence_text": (
            "A new crime (misdrijf) committed after the start of the observation period and on "
            "or before its end, not disposed of by acquittal, discharge or technical dismissal. For each type "
            "of offence the first new case holding an offence of that type counts; the types "
            "overlap."
        ),
        "m_start": "Start of the observation period",
        "m_start_text": "Release from custody for the index case, else its disposal.",
        "m_end": "End of the observation period",
        "m_end_text": (
            "The end of observation (the data cut-off), or earlier at death or emigration "
            "(censored). Median observation period {median} years."
        ),
        "m_estimator": "Estimator",
        "m_estimator_text": (
            "Kaplan-Meier; cumulative recidivism = 1 − S(t) at the horizon; Greenwood variance."
        ),
        "m_ci": "Confidence interval",
        "m_ci_text": "{level}%, pointwise, {conf_type} transformation.",
        "m_disclosure": "Disclosure control",
        "m_disclosure_text": (
            "threshold {m} persons. Not published (×): groups of fewer than {m} persons (an "
            "empty group too) and rates with fewer than {m} persons still followed or resting "
            "on more than 0 but fewer than {m} reoffenders. Between two published time points "
            "of one curve (in a "
            "table or a figure) lie 0 or at least {m} reoffenders, also for the total minus the "
            "visible groups and for general recidivism minus a type of offence (secondary "
            "suppression). Curves step at whole months, at least {m} "
            "reoffenders per step, and stop where fewer than {m} persons are still followed; at "
            "the published horizons they pass through the tables' values. The tables give no "
            "counts of reoffenders or persons at risk; rates to 0.1% (tables) or 1% (text), "
            "the median observation period to half years. The numbers at risk under the figure differ "
            "from each other, and from the reoffenders, by 0 or at least {m}; the Cox model "
            "uses only characteristics with at least {m} persons and {m} reoffenders on each "
            "side. No section is made below {least} persons."
        ),
        "m_disclosure_off": (
            "switched off (threshold 1 person): for analysis inside the secure environment "
            "only, not for publication."
        ),
        "m_benchmark": "Benchmark",
        "m_benchmark_text": "{bench}: {b} within {h} years ({source}).",
        "m_qualifiers": "Qualifiers",
        "m_qualifiers_text": (
            "high: the lower CI bound of the {hb}-year rate lies above {b}, or the {hh}-year "
            "rate is at least {high}; fast: at least {share} of the {hh}-year recidivism happens "
            "within {hb} years and the {hb}-year rate lies above {b}; serious: the lower CI "
            "bound of the {hq}-year rate of serious offences (statutory maximum of {s} years or "
            "more) lies above {srate}, the {hq}-year general recidivism of {bench} (and so above "
            "their serious recidivism, which cannot be higher); young: the share under {cut} is "
            "larger among those who reoffend within {hh} years (corrected for unequal "
            "observation periods) than among all offenders."
        ),
        "m_followup": "Median observation period: {median} years.",
        "p_version": "Package version",
        "p_fingerprint": "Data fingerprint",
        "p_rules": "Rules",
        "p_generated": "Generated on",
        "persons": "persons",
        "cases": "cases",
        "step_outside_population": "outside the study population",
        "step_died_before_start": "died on or before the start of the observation period",
        "step_emigrated_before_start": "emigrated on or before the start of the observation period",
        "step_start_after_end": "start of the observation period on or after the end of observation",
        "step_person_excluded": "person excluded",
        "step_not_a_crime": "not a crime",
        "step_disposal_not_counting": (
            "disposal does not count (technical dismissal, acquittal, discharge)"
        ),
        "step_offence_before_start": "offence on or before the start of the observation period",
        "step_offence_after_end": "offence after the end of the observation period",
        "step_offence_after_cutoff": "offence committed after the end of observation (data cut-off)",
        "rule_start_release": (
            "The observation period starts at release from the index custody, else at the "
            "index disposal."
        ),
        "rule_start_disposal": "The observation period starts at the index disposal.",
        "rule_crimes": (
            "A reoffence is a later crime (misdrijf) committed after the start and on or before "
            "the end of the observation period."
        ),
        "rule_all_cases": (
            "A reoffence is any later case (crime or misdemeanour) committed after the start "
            "and on or before the end of the observation period."
        ),
        "rule_disposals": "Cases ending in {disposals} do not count.",
        "rule_end": (
            "The observation period ends at the end of observation (the data cut-off){earlier}."
        ),
        "rule_earlier": ", or earlier at ",
        "rule_or": " or ",
        "rule_death": "death",
        "rule_emigration": "emigration",
        "rule_lag": (
            "The last {days} days before the end of observation are left out (registration lag)."
        ),
        "rule_detention": "Days in detention are not counted as time at risk.",
        "rule_serious": (
            "Serious: statutory maximum of {serious} years or more; very serious: "
            "{very_serious} years or more."
        ),
    },
}

for _lang, _entries in MONITOR_TEXTS.items():  # the Recidivemonitor's blocks (issue 14)
    CATALOGUES[_lang].update(_entries)

#: Readable names of the registry's codes (``recidive.schema``), by language.
CODE_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "conviction": "veroordeling",
        "penal_order": "strafbeschikking",
        "transaction": "transactie",
        "policy_dismissal": "beleidssepot",
        "technical_dismissal": "technisch sepot",
        "acquittal": "vrijspraak",
        "discharge": "ontslag van alle rechtsvervolging",
        "binnenlands_seksueel": "binnenlandse seksuele uitbuiting",
        "grensoverschrijdend_seksueel": "grensoverschrijdende seksuele uitbuiting",
        "arbeid": "arbeidsuitbuiting",
        "crimineel": "criminele uitbuiting",
        "overig": "overige uitbuiting",
    },
    "en": {
        "conviction": "conviction",
        "penal_order": "penal order",
        "transaction": "transaction",
        "policy_dismissal": "policy dismissal",
        "technical_dismissal": "technical dismissal",
        "acquittal": "acquittal",
        "discharge": "discharge",
        "binnenlands_seksueel": "domestic sexual exploitation",
        "grensoverschrijdend_seksueel": "cross-border sexual exploitation",
        "arbeid": "labour exploitation",
        "crimineel": "criminal exploitation",
        "overig": "other exploitation",
    },
}


def text(key: str, lang: str = defaults.LANG, **values) -> str:
    """Look up a text in the catalogue of ``lang`` and fill in ``values``.

    Parameters
    ----------
    key : str
        Catalogue key, shared by all languages.
    lang : {"nl", "en"}
        Language.
    **values
        Placeholders in the text.

    Returns
    -------
    str

    Examples
    --------
    >>> text("q_high", "nl")
    'hoog'
    >>> text("years", "en", h=7)
    '7 years'
    """
    return CATALOGUES[check_lang(lang)][key].format(**values)


def criterion_label(criterion: str, lang: str = defaults.LANG) -> str:
    """The name of a recidivism criterion in ``lang`` (its code, readable, if it has none).

    Examples
    --------
    >>> criterion_label("violence", "nl"), criterion_label("public_order", "en")
    ('Geweldsdelicten', 'public order')
    """
    key = f"crit_{criterion}"
    return text(key, lang) if key in CATALOGUES[lang] else criterion.replace("_", " ")


def code_label(code: object, lang: str = defaults.LANG) -> str:
    """The readable name of a registry code in ``lang`` (the code itself if it has none).

    Examples
    --------
    >>> code_label("binnenlands_seksueel", "en"), code_label("M", "nl")
    ('domestic sexual exploitation', 'M')
    """
    return CODE_LABELS[check_lang(lang)].get(str(code), str(code))
