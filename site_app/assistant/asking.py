"""Whether a question asks Glissando itself for something: the contact details answer it.

Two kinds, in the visitor's own words (issue 25): asking Glissando to work for them ("can
you build us a bot", "is that something you do", "we'd like to hire you"), and asking to
reach a person ("can we book a call", "who do I talk to", "can someone call me back", "how
do I get a quote"), in English or in the few words other languages share for it. Either is
answered with the contact details before any ranking or doubt, unless the question also
asks for a kind only the team answers ("how much would you charge to build").
"""

from __future__ import annotations

import re

from site_app.assistant.kinds import asked_for

# Asking Glissando to do something for the visitor ("can you build us a bot", "is that
# something you do", "we'd like to hire you"): the contact details answer it (issue 25),
# unless it also asks for a kind the team answers ("how much would you charge to build").
_OFFERS = re.compile(
    r"\b(can|could|would|will) (you|you guys|y'all|ye|glissando|your team) (make|build|develop|"
    r"create|design|automate|set up|take on)\b(?! (your|its) own\b)"
    r"|(?<!what )\bdo (you|you guys|glissando|your team) (make|build|develop|create|design|"
    r"automate|do)\b(?! (your|its) own\b)"
    r"|\bsomething (you|glissando|your team) (do|offer|could help)"
    r"|\b(hire|work with|engage) (you|glissando|your team)\b",
    re.IGNORECASE,
)
# Someone to talk to: a call, a meeting or a quote for "I"/"we", a person to call back, who
# to talk to, how to reach the team; and the words Spanish, Portuguese, German and French
# visitors use for it.
_PERSON = r"(someone|somebody|anyone|a (real )?(human|person)|one of your \w+|your \w+ team|sales)"
_MEETING = r"(call|meeting|demo|chat|quote|consultation|video call|appointment)"
_REACH = re.compile(
    rf"\b(i|we)('d| would| want| wanna| need| wish)?( like)?( to)? (arrange|schedule|set up|have|"
    rf"get|request|organi[sz]e) (a|an|some) {_MEETING}\b"
    rf"|\b(can|could|may) (i|we) (arrange|schedule|set up|have|get|request) (a|an) {_MEETING}\b"
    r"|\b(book|schedule|arrange) (a|an) (call|meeting|demo|consultation|appointment)\b"
    r"|\b(need|want|like|get|getting|request) a quote\b"
    rf"|\b{_PERSON} (from|at) (your|the) (company|team)\b"
    rf"|\b({_PERSON}|you|your team) (call|contact|email|ring|get in touch with|get back to) "
    r"(me|us)\b"
    rf"|\b(talk|speak|consult) (to|with) ({_PERSON}|you|your team|your specialists?|an expert)\b"
    r"|\bwho (do|should|can|would) (i|we) (talk|speak) to\b"
    r"|\bhow (do|can|could|would|might) (i|we) (reach|contact|get in touch with) "
    r"(you|your team|a human|a person|someone|somebody|glissando)\b"
    r"|\bmeet (you|your team|with you|with your team)\b"
    r"|\b(hablar con|falar com|cotizaci[oó]n|cota[cç][aã]o|or[cç]amento|reuni(ão|ón|on)|"
    r"treffen|erreichen|ansprechpartner|rendez-vous|devis)\b",
    re.IGNORECASE,
)


def wants_us(question: str) -> bool:
    """Whether ``question`` asks Glissando to work for the visitor, or to reach a person, and
    for no kind only the team answers: the contact details answer it."""
    asks = _OFFERS.search(question) or _REACH.search(question)
    return asks is not None and asked_for(question) is None
