"""The signals of what a message says: the rules' phrase sets, the shape of a pitch
(offers, asks for nothing), and the learned wording model."""

from __future__ import annotations

from site_app.triage import text
from site_app.triage.learned import features
from site_app.triage.ruleset import PITCH_BUYER, PITCH_OFFER, PITCH_SELLER, Signal
from site_app.triage.signals import Facts, Hit, signal

SITE_SHARE = 0.5  # log odds moved by this site's refit before a reason mentions it


@signal
def pitch(facts: Facts, rule: Signal) -> str | None:
    offers = facts.phrases.get(PITCH_OFFER, [])
    sells = facts.phrases.get(PITCH_SELLER, [])
    if not offers or not sells or PITCH_BUYER in facts.phrases:
        return None
    quoted = ", ".join(f"“{p}”" for p in (sells[0], offers[0]))
    return f"Offers the sender's services and asks for nothing: {quoted}"


_ENGLISH = frozenset(
    "the and to of a is we you your our i for with this that in it are be on have".split()
)
# Other languages whose requests the buyer phrases know ("wir suchen", "combien",
# "necesitamos", "precisamos"). Fewer of them, so a question mark also counts as asking.
_OTHERS = (
    frozenset("der die das und wir sie ihre ihr ich ist nicht mit für zu von ein eine".split()),
    frozenset("le la les et nous vous votre vos je est pour avec des une un du sur".split()),
    frozenset("el la los las y nosotros usted su sus es para con una un del por que".split()),
    frozenset("o os as e nós você seu sua é para com um uma do da dos que por".split()),
)


def _share(words: list[str], vocabulary: frozenset[str]) -> float:
    return sum(w in vocabulary for w in words) / len(words)


@signal
def no_request(facts: Facts, rule: Signal) -> str | None:
    """Inquiries ask for something ("we need", "can you", "how much"); pitches and scams
    tell. Judged on English, German, French, Spanish and Portuguese text only: the buyer
    phrases would not know another language's requests."""
    message = facts.submission.message
    if facts.words < rule.params["min_words"] or PITCH_BUYER in facts.phrases:
        return None
    if PITCH_OFFER in facts.phrases and PITCH_SELLER in facts.phrases:
        return None  # the pitch signal already counts this absence
    words = message.casefold().split()
    if _share(words, _ENGLISH) < 0.15:
        if "?" in message or max(_share(words, other) for other in _OTHERS) < 0.15:
            return None
    return "Asks for nothing: no request, question about the service or need in it"


# Words that greet, take leave or test a form, in the languages the form hears most: a
# message of these alone (and random letters) says nothing a person would send for.
_NOTHING = frozenset(
    "hello hi hey hiya yo there all and bye goodbye test testing ok okay good morning "
    "afternoon evening day greetings hola bonjour hallo ciao salut olá oi".split()
)


@signal
def empty(facts: Facts, rule: Signal) -> str | None:
    """Says nothing: no word besides greetings and random letters ("Hello. And Bye.",
    "qLhWnAzyJrGDKt"). "Price?" and "Call me" say what they want."""
    words = text.WORD.findall(facts.submission.message)
    if any(w.casefold() not in _NOTHING and not text.is_random(w) for w in words):
        return None
    return "Says nothing: no word besides a greeting or random letters"


@signal
def learned(facts: Facts, rule: Signal) -> tuple[str, float] | None:
    """Three bands of the model's log odds: a little above even adds a little to other
    signals; far above holds alone (cross-validated: no genuine inquiry got there); far
    below takes ``relief`` off what other signals found. With a refit from this site's
    decisions, the reason says how much of the odds came from them."""
    params = rule.params
    found = features(facts.submission.message)
    shipped, known = facts.rules.model.weigh(found)
    if known < params["min_features"]:  # too little evidence to weigh: "Steady inquiry 5"
        return None
    odds, refit = shipped, facts.lessons.model
    if refit is not None:  # what the site taught moves any text by at most `site_shift`
        moved = refit.weigh(found)[0]
        odds += max(-params["site_shift"], min(params["site_shift"], moved))
    # Worded as inquiries are: relieves other signals, but not the hidden field a bot
    # filled (a bot may paste a person's words; its form says what sent them)
    if params["relief"] and odds <= params["at_genuine"] and not facts.submission.honeypot:
        return f"Worded like the inquiries the filter learned from (log odds {odds:.1f})", -(
            params["relief"]
        )
    bands = [
        (params["at_high"], params["weight_high"]),
        (params["at"], rule.weight),
        (params["at_low"], params["weight_low"]),
    ]
    for at, points in bands:
        if odds >= at and points:
            reason = f"Worded like the spam the filter learned from (log odds {odds:.1f}"
            if abs(odds - shipped) >= SITE_SHARE:
                reason += f", {odds - shipped:+.1f} of them from this site's own decisions"
            return reason + ")", points
    return None


@signal
def taught(facts: Facts, rule: Signal) -> tuple[str, float] | None:
    """Close to a text sales decided on: held like the spam they marked, or let through
    like the inquiries they delivered (its relief taken off the score)."""
    if not facts.lessons.neighbours:
        return None  # nothing decided yet: no need to read the message's triples
    near = facts.lessons.neighbours.nearest(facts.submission.message)
    if near is None or near.similarity < rule.params["at"]:
        return None
    share = f"{near.similarity:.0%} of its wording"
    if near.genuine:
        return f"Shares {share} with an inquiry sales delivered on this site", -rule.params[
            "relief"
        ]
    return f"Shares {share} with a message sales marked as spam on this site", rule.weight


def phrase_hits(facts: Facts) -> list[Hit]:
    rules, hits = facts.rules, []
    for name, phrases in facts.phrases.items():
        rule = rules.phrase_sets.get(name)
        if rule is None:
            continue  # the pitch signal's lists
        points = min(rule.cap, rule.weight * len(phrases))
        quoted = ", ".join(f"“{p}”" for p in phrases[:3])
        strong = rule.strong or len(phrases) >= rules.strong_phrases
        hits.append(Hit(name, points, f"{rule.label}: {quoted}", strong))
    return hits
