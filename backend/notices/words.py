"""The sentences a notice picks by its facts, in English, French and Dutch (the mail's fixed
words are templates in backend/mail/templates.py). Plain Python, no catalogue.

A rejection's reasons read as the worker app shows them (static/app/strings, `reason.*`)."""

from __future__ import annotations

from backend.mail.templates import DEFAULT_LOCALE

REASONS: dict[str, dict[str, str]] = {
    "en": {
        "blurry_photo": "A photo is too blurred to count the shelf",
        "wrong_store": "The photos or location are not of the assigned store",
        "missing_products": "Products asked for are missing from the photos or answers",
        "reused_photo": "A photo was taken before, for another submission",
        "outside_window": "The visit was outside the mission's time window",
        "incomplete_answers": "Answers are missing or do not match the photos",
        "no_usable_photo": "No photo could be used",
        "other": "Another reason, explained in the comment",
    },
    "fr": {
        "blurry_photo": "Une photo est trop floue pour compter le rayon",
        "wrong_store": "Les photos ou la position ne sont pas celles du magasin prévu",
        "missing_products": "Des produits demandés manquent dans les photos ou les réponses",
        "reused_photo": "Une photo a déjà servi pour un autre envoi",
        "outside_window": "La visite a eu lieu hors de la période de la mission",
        "incomplete_answers": "Des réponses manquent ou ne correspondent pas aux photos",
        "no_usable_photo": "Aucune photo n'était utilisable",
        "other": "Autre raison, expliquée dans le commentaire",
    },
    "nl": {
        "blurry_photo": "Een foto is te onscherp om het schap te tellen",
        "wrong_store": "De foto's of de locatie zijn niet van de toegewezen winkel",
        "missing_products": "Gevraagde producten ontbreken in de foto's of antwoorden",
        "reused_photo": "Een foto is al eerder gebruikt, voor een andere inzending",
        "outside_window": "Het bezoek viel buiten de tijd van de missie",
        "incomplete_answers": "Antwoorden ontbreken of passen niet bij de foto's",
        "no_usable_photo": "Geen enkele foto was bruikbaar",
        "other": "Een andere reden, uitgelegd in de opmerking",
    },
}

# A hard check of the machine's with no sentence of its own ("stored", "decodes", ...).
_FAILED_CHECK = {
    "en": "An automatic check failed ({code})",
    "fr": "Une vérification automatique a échoué ({code})",
    "nl": "Een automatische controle is mislukt ({code})",
}

COMMENT = {
    "en": "The reviewer's comment: “{comment}”",
    "fr": "Commentaire du relecteur : « {comment} »",
    "nl": "Opmerking van de beoordelaar: “{comment}”",
}

# What the appeal's decision means, by outcome; `deadline`: nobody decided it in time.
APPEAL_OUTCOMES: dict[str, dict[str, tuple[str, str]]] = {
    # locale -> outcome -> (the subject's word, the sentence)
    "en": {
        "granted": (
            "granted",
            "Your appeal was granted: the submission is approved and {amount} is added to "
            "your balance.",
        ),
        "deadline": (
            "granted",
            "Nobody decided your appeal within the review deadline, so it is granted: the "
            "submission is approved and {amount} is added to your balance.",
        ),
        "refused": (
            "refused",
            "Your appeal was refused: the rejection stands, and this decision is final.",
        ),
    },
    "fr": {
        "granted": (
            "accepté",
            "Votre recours est accepté : l'envoi est approuvé et {amount} s'ajoute à votre solde.",
        ),
        "deadline": (
            "accepté",
            "Personne n'a décidé de votre recours dans le délai de relecture : il est donc "
            "accepté, l'envoi est approuvé et {amount} s'ajoute à votre solde.",
        ),
        "refused": (
            "refusé",
            "Votre recours est refusé : le rejet est maintenu, et cette décision est définitive.",
        ),
    },
    "nl": {
        "granted": (
            "toegekend",
            "Je bezwaar is toegekend: de inzending is goedgekeurd en {amount} komt bij je saldo.",
        ),
        "deadline": (
            "toegekend",
            "Niemand heeft binnen de beoordelingstermijn over je bezwaar beslist, dus het is "
            "toegekend: de inzending is goedgekeurd en {amount} komt bij je saldo.",
        ),
        "refused": (
            "afgewezen",
            "Je bezwaar is afgewezen: de afwijzing blijft staan, en deze beslissing is definitief.",
        ),
    },
}


def _in(table: dict[str, dict[str, str]], locale: str) -> dict[str, str]:
    return table.get(locale, table[DEFAULT_LOCALE])


def reasons(codes: list[str], locale: str) -> str:
    """A rejection's reasons in words, one after another: "A photo is ...; Products ..."."""
    known = _in(REASONS, locale)
    failed = _FAILED_CHECK.get(locale, _FAILED_CHECK[DEFAULT_LOCALE])
    return "; ".join(known.get(code) or failed.format(code=code) for code in codes)


def comment(text: str | None, locale: str) -> str:
    """The reviewer's comment as a sentence; empty (the paragraph is left out) without one."""
    if not text:
        return ""
    return COMMENT.get(locale, COMMENT[DEFAULT_LOCALE]).format(comment=text)


def appeal_outcome(outcome: str, locale: str) -> tuple[str, str]:
    """(the subject's word, the sentence) of an appeal's outcome: granted, deadline, refused."""
    return APPEAL_OUTCOMES.get(locale, APPEAL_OUTCOMES[DEFAULT_LOCALE])[outcome]
