"""The words of each mail, in English, French and Dutch: plain Python, no catalogue.

A template is a subject and paragraphs; `{name}`-style fields are filled with the values the
composer gives (escaped in the HTML part). The paragraph `LINK` stands for the link: the
link itself in the plain text, a button and the link in the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCALES = ("en", "fr", "nl")
DEFAULT_LOCALE = "en"
LINK = "{link}"


@dataclass(frozen=True)
class Template:
    """One mail in one language: its subject, its paragraphs, its button's words."""

    subject: str
    paragraphs: tuple[str, ...]
    action: str  # the button's words in the HTML part
    signature: str = "Fairfield"


TEMPLATES: dict[str, dict[str, Template]] = {
    "email_verification": {
        "en": Template(
            subject="Confirm your email address for Fairfield",
            paragraphs=(
                "Hello {name},",
                "Please confirm that {email} is your email address by opening this link:",
                LINK,
                "The link works for {validity}. You can use Fairfield meanwhile, but you need "
                "a confirmed address before you can ask for a payout.",
                "If you did not create a Fairfield account, you can ignore this message.",
            ),
            action="Confirm my address",
        ),
        "fr": Template(
            subject="Confirmez votre adresse e-mail pour Fairfield",
            paragraphs=(
                "Bonjour {name},",
                "Merci de confirmer que {email} est bien votre adresse e-mail en ouvrant ce lien :",
                LINK,
                "Le lien est valable {validity}. Vous pouvez utiliser Fairfield en attendant, "
                "mais il vous faut une adresse confirmée pour demander un paiement.",
                "Si vous n'avez pas créé de compte Fairfield, ignorez ce message.",
            ),
            action="Confirmer mon adresse",
        ),
        "nl": Template(
            subject="Bevestig je e-mailadres voor Fairfield",
            paragraphs=(
                "Hallo {name},",
                "Bevestig dat {email} jouw e-mailadres is door deze link te openen:",
                LINK,
                "De link werkt {validity}. Je kunt Fairfield intussen gebruiken, maar je hebt "
                "een bevestigd adres nodig voordat je een uitbetaling kunt aanvragen.",
                "Heb je geen Fairfield-account aangemaakt? Dan kun je dit bericht negeren.",
            ),
            action="Mijn adres bevestigen",
        ),
    },
    "password_reset": {
        "en": Template(
            subject="Reset your Fairfield password",
            paragraphs=(
                "Hello {name},",
                "Someone, hopefully you, asked to reset the password of the Fairfield "
                "account for {email}. To choose a new password, open this link:",
                LINK,
                "The link works once, for {validity}. Choosing a new password signs you out "
                "on every device.",
                "If you did not ask for this, ignore this message: your password stays as it is.",
            ),
            action="Choose a new password",
        ),
        "fr": Template(
            subject="Réinitialisez votre mot de passe Fairfield",
            paragraphs=(
                "Bonjour {name},",
                "Quelqu'un, sans doute vous, a demandé à réinitialiser le mot de passe du "
                "compte Fairfield de {email}. Pour choisir un nouveau mot de passe, ouvrez "
                "ce lien :",
                LINK,
                "Le lien ne sert qu'une fois et reste valable {validity}. Choisir un nouveau "
                "mot de passe vous déconnecte de tous vos appareils.",
                "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne "
                "change pas.",
            ),
            action="Choisir un nouveau mot de passe",
        ),
        "nl": Template(
            subject="Stel je Fairfield-wachtwoord opnieuw in",
            paragraphs=(
                "Hallo {name},",
                "Iemand, hopelijk jij, heeft gevraagd het wachtwoord van het Fairfield-account "
                "voor {email} opnieuw in te stellen. Open deze link om een nieuw wachtwoord "
                "te kiezen:",
                LINK,
                "De link werkt één keer, {validity} lang. Met een nieuw wachtwoord word je op "
                "al je apparaten afgemeld.",
                "Heb je dit niet gevraagd? Negeer dan dit bericht: je wachtwoord blijft zoals "
                "het is.",
            ),
            action="Nieuw wachtwoord kiezen",
        ),
    },
    # The worker's notices (backend/notices); the last paragraph says how to stop them.
    "submission_approved": {
        "en": Template(
            subject="Your audit at {store} is approved",
            paragraphs=(
                "Hello {name},",
                "Your submission for {campaign} at {store} is approved: {amount} is added to "
                "your balance.",
                LINK,
                "You get these notices because they are on in your account; you can turn them "
                "off in the app, under Account.",
            ),
            action="See the submission",
        ),
        "fr": Template(
            subject="Votre audit chez {store} est approuvé",
            paragraphs=(
                "Bonjour {name},",
                "Votre envoi pour {campaign} chez {store} est approuvé : {amount} s'ajoute à "
                "votre solde.",
                LINK,
                "Vous recevez ces avis parce qu'ils sont activés sur votre compte ; vous pouvez "
                "les désactiver dans l'application, rubrique Compte.",
            ),
            action="Voir l'envoi",
        ),
        "nl": Template(
            subject="Je audit bij {store} is goedgekeurd",
            paragraphs=(
                "Hallo {name},",
                "Je inzending voor {campaign} bij {store} is goedgekeurd: {amount} komt bij je "
                "saldo.",
                LINK,
                "Je krijgt deze berichten omdat ze aanstaan in je account; je kunt ze uitzetten "
                "in de app, onder Account.",
            ),
            action="Inzending bekijken",
        ),
    },
    "submission_rejected": {
        "en": Template(
            subject="Your audit at {store} was rejected",
            paragraphs=(
                "Hello {name},",
                "Your submission for {campaign} at {store} was rejected.",
                "Why: {reasons}.",
                "{comment}",
                "If you think this is wrong, you can appeal: open the submission in the app, "
                "choose Appeal and say why. You can appeal until {deadline}; an admin who did "
                "not make this decision will look at it again.",
                LINK,
                "You get these notices because they are on in your account; you can turn them "
                "off in the app, under Account.",
            ),
            action="See the submission",
        ),
        "fr": Template(
            subject="Votre audit chez {store} a été rejeté",
            paragraphs=(
                "Bonjour {name},",
                "Votre envoi pour {campaign} chez {store} a été rejeté.",
                "Motif : {reasons}.",
                "{comment}",
                "Si vous pensez que c'est une erreur, vous pouvez faire appel : ouvrez l'envoi "
                "dans l'application, choisissez « Faire appel » et expliquez pourquoi. Vous "
                "pouvez faire appel jusqu'au {deadline} ; un administrateur qui n'a pas pris "
                "cette décision le réexaminera.",
                LINK,
                "Vous recevez ces avis parce qu'ils sont activés sur votre compte ; vous pouvez "
                "les désactiver dans l'application, rubrique Compte.",
            ),
            action="Voir l'envoi",
        ),
        "nl": Template(
            subject="Je audit bij {store} is afgewezen",
            paragraphs=(
                "Hallo {name},",
                "Je inzending voor {campaign} bij {store} is afgewezen.",
                "Reden: {reasons}.",
                "{comment}",
                "Denk je dat dit fout is? Dan kun je bezwaar maken: open de inzending in de app, "
                "kies Bezwaar maken en zeg waarom. Dat kan tot {deadline}; een beheerder die "
                "deze beslissing niet nam, bekijkt ze opnieuw.",
                LINK,
                "Je krijgt deze berichten omdat ze aanstaan in je account; je kunt ze uitzetten "
                "in de app, onder Account.",
            ),
            action="Inzending bekijken",
        ),
    },
    "appeal_decided": {
        "en": Template(
            subject="Your appeal about {store}: {outcome}",
            paragraphs=(
                "Hello {name},",
                "You appealed the rejection of your submission for {campaign} at {store}.",
                "{outcome_sentence}",
                "{comment}",
                LINK,
                "You get these notices because they are on in your account; you can turn them "
                "off in the app, under Account.",
            ),
            action="See the submission",
        ),
        "fr": Template(
            subject="Votre recours pour {store} : {outcome}",
            paragraphs=(
                "Bonjour {name},",
                "Vous avez fait appel du rejet de votre envoi pour {campaign} chez {store}.",
                "{outcome_sentence}",
                "{comment}",
                LINK,
                "Vous recevez ces avis parce qu'ils sont activés sur votre compte ; vous pouvez "
                "les désactiver dans l'application, rubrique Compte.",
            ),
            action="Voir l'envoi",
        ),
        "nl": Template(
            subject="Je bezwaar over {store}: {outcome}",
            paragraphs=(
                "Hallo {name},",
                "Je maakte bezwaar tegen de afwijzing van je inzending voor {campaign} bij "
                "{store}.",
                "{outcome_sentence}",
                "{comment}",
                LINK,
                "Je krijgt deze berichten omdat ze aanstaan in je account; je kunt ze uitzetten "
                "in de app, onder Account.",
            ),
            action="Inzending bekijken",
        ),
    },
    "payout_sent": {
        "en": Template(
            subject="Your payout of {amount} is on its way",
            paragraphs=(
                "Hello {name},",
                "We sent {amount} to your bank account {accounts}.",
                "It usually reaches your account within one or two working days, depending on "
                "your bank.",
                LINK,
                "You get these notices because they are on in your account; you can turn them "
                "off in the app, under Account.",
            ),
            action="See my earnings",
        ),
        "fr": Template(
            subject="Votre paiement de {amount} est en route",
            paragraphs=(
                "Bonjour {name},",
                "Nous avons envoyé {amount} sur votre compte bancaire {accounts}.",
                "Il arrive en général sous un ou deux jours ouvrés, selon votre banque.",
                LINK,
                "Vous recevez ces avis parce qu'ils sont activés sur votre compte ; vous pouvez "
                "les désactiver dans l'application, rubrique Compte.",
            ),
            action="Voir mes gains",
        ),
        "nl": Template(
            subject="Je uitbetaling van {amount} is onderweg",
            paragraphs=(
                "Hallo {name},",
                "We hebben {amount} overgemaakt naar je bankrekening {accounts}.",
                "Meestal staat het binnen een of twee werkdagen op je rekening, afhankelijk van "
                "je bank.",
                LINK,
                "Je krijgt deze berichten omdat ze aanstaan in je account; je kunt ze uitzetten "
                "in de app, onder Account.",
            ),
            action="Mijn verdiensten bekijken",
        ),
    },
    "organisation_invite": {
        "en": Template(
            subject="{inviter} invites you to {organisation} on Fairfield",
            paragraphs=(
                "Hello,",
                "{inviter} invites you to join {organisation} on Fairfield as {role}, "
                "with the address {email}. To accept, choose your password here:",
                LINK,
                "The link works once, for {validity}.",
                "If you do not know {organisation} or did not expect this, ignore this message.",
            ),
            action="Accept the invitation",
        ),
        "fr": Template(
            subject="{inviter} vous invite à rejoindre {organisation} sur Fairfield",
            paragraphs=(
                "Bonjour,",
                "{inviter} vous invite à rejoindre {organisation} sur Fairfield en tant que "
                "{role}, avec l'adresse {email}. Pour accepter, choisissez votre mot de passe "
                "ici :",
                LINK,
                "Le lien ne sert qu'une fois et reste valable {validity}.",
                "Si vous ne connaissez pas {organisation} ou n'attendiez pas cette invitation, "
                "ignorez ce message.",
            ),
            action="Accepter l'invitation",
        ),
        "nl": Template(
            subject="{inviter} nodigt je uit voor {organisation} op Fairfield",
            paragraphs=(
                "Hallo,",
                "{inviter} nodigt je uit om lid te worden van {organisation} op Fairfield als "
                "{role}, met het adres {email}. Kies hier je wachtwoord om te accepteren:",
                LINK,
                "De link werkt één keer, {validity} lang.",
                "Ken je {organisation} niet of verwachtte je dit niet? Dan kun je dit bericht "
                "negeren.",
            ),
            action="Uitnodiging accepteren",
        ),
    },
    "webhook_disabled": {
        "en": Template(
            subject="A Fairfield webhook was disabled",
            paragraphs=(
                "Hello {name},",
                "Fairfield stopped sending events to {url}: {failures} messages in a row "
                "went unanswered (or were refused) through every retry, over about a day each.",
                "Events that happen from now on are not sent there. Check that the receiver "
                "is up and answers 2xx, then subscribe it again; the delivery log shows what "
                "each attempt got back:",
                LINK,
                "You receive this message as an owner of {organisation} on Fairfield.",
            ),
            action="Open the webhooks",
        ),
        "fr": Template(
            subject="Un webhook Fairfield a été désactivé",
            paragraphs=(
                "Bonjour {name},",
                "Fairfield n'envoie plus d'événements à {url} : {failures} messages d'affilée "
                "sont restés sans réponse (ou ont été refusés) malgré toutes les nouvelles "
                "tentatives, sur environ une journée chacun.",
                "Les événements à venir n'y seront pas envoyés. Vérifiez que le destinataire "
                "fonctionne et répond 2xx, puis abonnez-le à nouveau ; le journal des envois "
                "montre la réponse à chaque tentative :",
                LINK,
                "Vous recevez ce message en tant que propriétaire de {organisation} sur Fairfield.",
            ),
            action="Ouvrir les webhooks",
        ),
        "nl": Template(
            subject="Een Fairfield-webhook is uitgeschakeld",
            paragraphs=(
                "Hallo {name},",
                "Fairfield stuurt geen gebeurtenissen meer naar {url}: {failures} berichten na "
                "elkaar bleven onbeantwoord (of werden geweigerd), ook na alle nieuwe pogingen, "
                "over ongeveer een dag elk.",
                "Wat vanaf nu gebeurt, wordt daar niet naartoe gestuurd. Controleer of de "
                "ontvanger werkt en 2xx antwoordt en abonneer hem dan opnieuw; het "
                "verzendlogboek toont wat elke poging terugkreeg:",
                LINK,
                "Je krijgt dit bericht als eigenaar van {organisation} op Fairfield.",
            ),
            action="Webhooks openen",
        ),
    },
}

# (one, many) per unit and language, for "the link works for 1 hour / 7 days".
_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"day": ("day", "days"), "hour": ("hour", "hours"), "minute": ("minute", "minutes")},
    "fr": {"day": ("jour", "jours"), "hour": ("heure", "heures"), "minute": ("minute", "minutes")},
    "nl": {"day": ("dag", "dagen"), "hour": ("uur", "uur"), "minute": ("minuut", "minuten")},
}


def template(kind: str, locale: str) -> Template:
    """The template of this kind in this language, English when the language is not one."""
    by_locale = TEMPLATES[kind]
    return by_locale.get(locale, by_locale[DEFAULT_LOCALE])


def duration(seconds: int, locale: str) -> str:
    """A link's life in words: '1 hour', '7 jours', '30 minuten' (whole units only)."""
    units = _UNITS.get(locale, _UNITS[DEFAULT_LOCALE])
    if seconds >= 86400 and seconds % 86400 == 0:
        unit, count = "day", seconds // 86400
    elif seconds >= 3600 and seconds % 3600 == 0:
        unit, count = "hour", seconds // 3600
    else:
        unit, count = "minute", max(1, seconds // 60)
    one, many = units[unit]
    return f"{count} {one if count == 1 else many}"
