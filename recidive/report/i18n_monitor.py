"""Text catalogue of the Recidivemonitor's further blocks (issue 14), Dutch and English.

The entries of :mod:`recidive.report.i18n` for serious and very serious recidivism, the
speed of recidivism, the competing-risks sensitivity line, the rates by type of offence
and age, the share of the young among recidivists, the Cox model's scales, pooled forms
and proportional-hazards check. Kept in their own module so that the blocks stay
together; :mod:`~recidive.report.i18n` merges them into its catalogues. The Dutch follows
the WODC Recidivemonitor's usage: the *observatieperiode* runs from its start to the
*einddatum van de observatie* (the *datum van de gegevensstand* of the extract);
*ernstige* and *zeer ernstige recidive* are new crimes with a statutory maximum of at
least 4 and 8 years.
"""

from __future__ import annotations

MONITOR_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        # the serious qualifier's sentence (serious recidivism against the benchmark) and
        # the types of offence at the serious horizon
        "serious_q_yes_after": (
            "Ook is de recidive ernstig: binnen {hq} jaar pleegt {rq} een ernstig delict "
            "(wettelijk strafmaximum van {s} jaar of meer), meer dan de {b} van {bench} die "
            "binnen {hq} jaar enig nieuw misdrijf pleegt."
        ),
        "serious_q_yes": (
            "De recidive is wel ernstig: binnen {hq} jaar pleegt {rq} een ernstig delict "
            "(wettelijk strafmaximum van {s} jaar of meer), meer dan de {b} van {bench} die "
            "binnen {hq} jaar enig nieuw misdrijf pleegt."
        ),
        "serious_q_no": (
            "Binnen {hq} jaar pleegt {rq} een ernstig delict (wettelijk strafmaximum van "
            "{s} jaar of meer), tegen {b} van {bench} met enig nieuw misdrijf."
        ),
        "serious_types": "Binnen {h} jaar recidiveert {items}.",
        # serious and very serious recidivism
        "serious_sentence": (
            "Ernstige recidive (een nieuw misdrijf met een wettelijk strafmaximum van {s} "
            "jaar of meer): {serious}. Zeer ernstige recidive ({vs} jaar of meer): {very}."
        ),
        "serious_sentence_missing": (
            "Ernstige en zeer ernstige recidive kunnen niet worden gerapporteerd."
        ),
        "rate_within": "{r} binnen {h} jaar",
        "not_published": "niet te rapporteren",
        # speed
        "median_yes": (
            "De helft van de daders recidiveert binnen {m} jaar na het begin van de "
            "observatieperiode ({level}%-BI {lo}–{hi} jaar; de mediane tijd tot recidive)."
        ),
        "median_open": (
            "De helft van de daders recidiveert binnen {m} jaar na het begin van de "
            "observatieperiode ({level}%-BI vanaf {lo} jaar; de bovengrens wordt niet "
            "bereikt)."
        ),
        "median_not_reached": (
            "Binnen de observatieperiode recidiveert minder dan de helft van de daders: de "
            "mediane tijd tot recidive wordt niet bereikt."
        ),
        "median_missing": "De mediane tijd tot recidive kan niet worden gerapporteerd.",
        # benchmark, share of the young, the 42%, overlap
        "bench_sentence": (
            "Ter vergelijking: van {bench} recidiveert {b} binnen {h} jaar ({source}); van "
            "{pop} is dat {r}."
        ),
        "young_offenders_fraction": (
            "{frac} van alle daders ({r}) was bij het plegen van het delict jonger dan {cut} jaar."
        ),
        "young_offenders_share": (
            "Van alle daders was {r} bij het plegen van het delict jonger dan {cut} jaar."
        ),
        "fraction_quarter": "Een kwart",
        "fraction_third": "Een derde",
        "fraction_half": "De helft",
        "fraction_two_thirds": "Twee derde",
        "fraction_three_quarters": "Driekwart",
        "young_definition": (
            "Die {r} is het aandeel jonger dan {cut} jaar onder wie binnen {h} jaar "
            "recidiveert ({level}%-BI {lo}–{hi}, deltamethode), gecorrigeerd voor ongelijke "
            "observatieperiodes: de Kaplan-Meier-recidive binnen {h} jaar van beide "
            "leeftijdsgroepen, gewogen naar hun aandeel onder alle daders. Ongecorrigeerd, "
            "onder wie binnen {h} jaar gezien is te recidiveren, is het {raw}; dat getal "
            "hangt af van hoe lang ieder is gevolgd."
        ),
        "young_definition_no_raw": (
            "Die {r} is het aandeel jonger dan {cut} jaar onder wie binnen {h} jaar "
            "recidiveert ({level}%-BI {lo}–{hi}, deltamethode), gecorrigeerd voor ongelijke "
            "observatieperiodes: de Kaplan-Meier-recidive binnen {h} jaar van beide "
            "leeftijdsgroepen, gewogen naar hun aandeel onder alle daders."
        ),
        "overlap": (
            "De soorten delicten overlappen: één nieuwe zaak kan delicten van meer soorten "
            "bevatten en een dader kan met meer soorten recidiveren. Daarom tellen de "
            "percentages per soort binnen {h} jaar (samen {sum}) op tot meer dan de "
            "algemene recidive ({r})."
        ),
        # competing risks (method box)
        "m_competing": "Concurrerende risico's",
        "m_competing_text": (
            "met overlijden als concurrerende gebeurtenis (Aalen-Johansen) is de algemene "
            "recidive {aj}, tegen {km} met Kaplan-Meier, dat overlijden als censurering "
            "behandelt. Emigratie blijft censurering: na emigratie kan iemand nog "
            "recidiveren, alleen ziet de Nederlandse registratie dat niet."
        ),
        "m_competing_missing": (
            "de recidive met overlijden als concurrerende gebeurtenis kan niet worden "
            "gerapporteerd."
        ),
        # the Cox model
        "cov_age_decades": "Leeftijd bij het delict (per 10 jaar)",
        "cov_prior_log2": "Eerdere zaken (per verdubbeling van 1 + aantal)",
        "cov_form_pooled": "Uitbuitingsvorm: overige vormen (samengevoegd) (ref. {ref})",
        "cov_form_ref_pooled": (
            "Uitbuitingsvorm: {name} (ref. {ref} en overige vormen, samengevoegd)"
        ),
        "zph_global": "Globaal",
        "t_zph": (
            "Tabel {k}. Toets op proportionele hazards van het Cox-model (geschaalde "
            "Schoenfeld-residuen)"
        ),
        "h_term": "Kenmerk",
        "h_chisq": "χ²",
        "h_df": "vg",
        "h_holds": "Aanname",
        "ph_holds": "houdt",
        "ph_rejected": "verworpen",
        "note_cox_scale": (
            "Leeftijd doorlopend, hazard ratio per 10 jaar; eerdere zaken als log2(1 + aantal), "
            "hazard ratio per verdubbeling van 1 + aantal (van 0 naar 1, van 1 naar 3, van 3 "
            "naar 7 zaken). Concordantie {c}."
        ),
        "note_cox_pooled": (
            "Overige vormen (samengevoegd): uitbuitingsvormen zonder eigen term (te weinig "
            "personen of recidivisten), als één groep in het model: {names}."
        ),
        "note_cox_ref_pooled": (
            "Uitbuitingsvormen zonder eigen term ({names}) zijn ook samen te klein en vallen "
            "in de referentiegroep, zoals het label zegt."
        ),
        "note_zph_rejected": (
            "De aanname van proportionele hazards wordt verworpen (p < {alpha}) voor: {terms}. "
            "Het model blijft staan: de hazard ratio van zo'n kenmerk is een gemiddelde over "
            "de observatieperiode van een effect dat in de tijd verandert (bij verschillen "
            "tussen personen die het model niet kent, verzwakt het naarmate de meest "
            "recidivegevoelige personen al hebben gerecidiveerd), en is als samenvatting te "
            "lezen, niet als constant effect."
        ),
        "note_zph_holds": (
            "De aanname van proportionele hazards wordt voor geen kenmerk verworpen (p ≥ {alpha})."
        ),
        "m_model": "Modelcontrole",
        "m_model_text": (
            "toets op proportionele hazards (geschaalde Schoenfeld-residuen, als R cox.zph): "
            "globaal χ² = {chisq} ({df} vg), {p}; {verdict}"
        ),
        "m_model_rejected": "verworpen voor {terms}; zie de noot bij die toets.",
        "m_model_holds": "voor geen kenmerk verworpen.",
        # tables
        "t_serious": "Tabel {k}. Ernstige en zeer ernstige recidive na {hs} jaar",
        "t_type_age": (
            "Tabel {k}. Recidive per soort delict naar leeftijd bij het delict, na {hs} jaar"
        ),
        "h_split": "Indeling",
        "split_age_band": "leeftijdsklassen",
        "split_age_group": "Recidivemonitor (<23/23+)",
        "note_type_age": "De soorten delicten overlappen: één dader kan in meer rijen meetellen.",
        "note_serious": (
            "Ernstig: wettelijk strafmaximum van {s} jaar of meer; zeer ernstig: {vs} jaar of "
            "meer. Zeer ernstige recidive is een deel van de ernstige, die een deel van de "
            "algemene."
        ),
    },
    "en": {
        "serious_q_yes_after": (
            "Recidivism is also serious: within {hq} years, {rq} commit a serious offence "
            "(statutory maximum of {s} years or more), more than the {b} of {bench} who commit "
            "any new crime within {hq} years."
        ),
        "serious_q_yes": (
            "Recidivism is serious, though: within {hq} years, {rq} commit a serious offence "
            "(statutory maximum of {s} years or more), more than the {b} of {bench} who commit "
            "any new crime within {hq} years."
        ),
        "serious_q_no": (
            "Within {hq} years, {rq} commit a serious offence (statutory maximum of {s} years "
            "or more), compared with {b} of {bench} committing any new crime."
        ),
        "serious_types": "Within {h} years, {items}.",
        "serious_sentence": (
            "Serious recidivism (a new crime with a statutory maximum of {s} years or more): "
            "{serious}. Very serious recidivism ({vs} years or more): {very}."
        ),
        "serious_sentence_missing": "Serious and very serious recidivism cannot be reported.",
        "rate_within": "{r} within {h} years",
        "not_published": "cannot be reported",
        "median_yes": (
            "Half of the offenders reoffend within {m} years of the start of the observation "
            "period ({level}% CI {lo}–{hi} years; the median time to recidivism)."
        ),
        "median_open": (
            "Half of the offenders reoffend within {m} years of the start of the observation "
            "period ({level}% CI from {lo} years; the upper limit is not reached)."
        ),
        "median_not_reached": (
            "Fewer than half of the offenders reoffend within the observation period: the "
            "median time to recidivism is not reached."
        ),
        "median_missing": "The median time to recidivism cannot be reported.",
        "bench_sentence": (
            "For comparison: of {bench}, {b} reoffend within {h} years ({source}); of {pop}, {r}."
        ),
        "young_offenders_fraction": (
            "{frac} of all offenders ({r}) were younger than {cut} when they committed the offence."
        ),
        "young_offenders_share": (
            "Of all offenders, {r} were younger than {cut} when they committed the offence."
        ),
        "fraction_quarter": "A quarter",
        "fraction_third": "A third",
        "fraction_half": "Half",
        "fraction_two_thirds": "Two thirds",
        "fraction_three_quarters": "Three quarters",
        "young_definition": (
            "That {r} is the share younger than {cut} among those who reoffend within {h} "
            "years ({level}% CI {lo}–{hi}, delta method), corrected for unequal observation "
            "periods: the Kaplan-Meier recidivism within {h} years of both age groups, "
            "weighted by their shares of all offenders. Uncorrected, among those seen to "
            "reoffend within {h} years, it is {raw}; that figure depends on how long each "
            "person was followed."
        ),
        "young_definition_no_raw": (
            "That {r} is the share younger than {cut} among those who reoffend within {h} "
            "years ({level}% CI {lo}–{hi}, delta method), corrected for unequal observation "
            "periods: the Kaplan-Meier recidivism within {h} years of both age groups, "
            "weighted by their shares of all offenders."
        ),
        "overlap": (
            "The types of offence overlap: one new case can hold offences of several types, "
            "and an offender can reoffend with several types. So the rates by type within "
            "{h} years (together {sum}) add up to more than general recidivism ({r})."
        ),
        "m_competing": "Competing risks",
        "m_competing_text": (
            "with death as a competing event (Aalen-Johansen) general recidivism is {aj}, "
            "against {km} with Kaplan-Meier, which treats death as censoring. Emigration "
            "stays censoring: after emigrating a person can still reoffend, only the Dutch "
            "records do not see it."
        ),
        "m_competing_missing": ("recidivism with death as a competing event cannot be reported."),
        "cov_age_decades": "Age at the index offence (per 10 years)",
        "cov_prior_log2": "Prior cases (per doubling of 1 + number)",
        "cov_form_pooled": "Form of exploitation: other forms (pooled) (ref. {ref})",
        "cov_form_ref_pooled": "Form of exploitation: {name} (ref. {ref} and other forms, pooled)",
        "zph_global": "Global",
        "t_zph": (
            "Table {k}. Proportional-hazards test of the Cox model (scaled Schoenfeld residuals)"
        ),
        "h_term": "Characteristic",
        "h_chisq": "χ²",
        "h_df": "df",
        "h_holds": "Assumption",
        "ph_holds": "holds",
        "ph_rejected": "rejected",
        "note_cox_scale": (
            "Age continuous, hazard ratio per 10 years; prior cases as log2(1 + number), "
            "hazard ratio per doubling of 1 + number (from 0 to 1, from 1 to 3, from 3 to 7 "
            "cases). Concordance {c}."
        ),
        "note_cox_pooled": (
            "Other forms (pooled): forms of exploitation without a term of their own (too few "
            "persons or reoffenders), one group in the model: {names}."
        ),
        "note_cox_ref_pooled": (
            "Forms of exploitation without a term of their own ({names}) are too small even "
            "together and join the reference group, as its label says."
        ),
        "note_zph_rejected": (
            "The proportional-hazards assumption is rejected (p < {alpha}) for: {terms}. The "
            "model is kept: the hazard ratio of such a characteristic is an average over the "
            "observation period of an effect that changes with time (with differences "
            "between persons that the model does not know, it weakens as the most prone "
            "reoffend first), to be read as a summary, not as a constant effect."
        ),
        "note_zph_holds": (
            "The proportional-hazards assumption is rejected for no characteristic (p ≥ {alpha})."
        ),
        "m_model": "Model check",
        "m_model_text": (
            "proportional-hazards test (scaled Schoenfeld residuals, as R cox.zph): global "
            "χ² = {chisq} ({df} df), {p}; {verdict}"
        ),
        "m_model_rejected": "rejected for {terms}; see the note to that test.",
        "m_model_holds": "rejected for no characteristic.",
        "t_serious": "Table {k}. Serious and very serious recidivism after {hs} years",
        "t_type_age": (
            "Table {k}. Recidivism by type of offence and age at the index offence, after "
            "{hs} years"
        ),
        "h_split": "Grouping",
        "split_age_band": "age bands",
        "split_age_group": "Recidivemonitor (<23/23+)",
        "note_type_age": "The types of offence overlap: one offender can count in several rows.",
        "note_serious": (
            "Serious: statutory maximum of {s} years or more; very serious: {vs} years or "
            "more. Very serious recidivism is part of serious recidivism, which is part of "
            "general recidivism."
        ),
    },
}
