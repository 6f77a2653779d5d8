"""What kind of answer a question asks for, when it is a kind the guide never holds.

The guide explains, lists and weighs; it gives no figures, dates, names of people or
firms, steps to follow, expansions of acronyms or product details (datasets, versions,
licences). "Who built CLIP?" names CLIP, which section 1 mentions, and a ranker by words
or by meaning sends it there; asking *who* is what tells us the guide cannot answer it.
So a question asking for one of these kinds is handed to the team, with the closest
sections offered beside "Ask our team".
"""

from __future__ import annotations

import re

# Models a visitor may name; the guide names GPT, CLIP and BERT and says nothing else of them
_MODEL = r"(gpt|bert|clip|dall-?e|llama|chatgpt|gemini|claude|mistral|palm|t5|stable diffusion)"
_DETAIL = (
    r"(architecture|training (data|set)|datasets?|layers|(model )?size|param(eter)?s|"
    r"tokeni[sz]er|versions?|release|licen[cs]e|pric(e|es|ing)|costs?)"
)
_FIRM = r"(google|openai|microsoft|meta|facebook|anthropic|nvidia|amazon|apple|deepmind|ibm)"
_KINDS: dict[str, tuple[str, ...]] = {
    "names of people or firms": (
        r"\bwho (built|build|created|create|made|invented|founded|coined|developed|"
        r"designed|released|wrote|owns|trained|came up|is the|was the|are the|runs|leads)\b",
        # ... but not "what companies spend on AI", where the firms are a subject, not asked for
        r"\b(which|what) (company|companies|firm|lab|team|university|organi[sz]ation|"
        r"person|people|researchers?|scientists?)\b(?! (spend|pay|save|gain|use|need|get|can|"
        r"could|should|do|adopt)\b)",
        r"\b(ceo|founder|inventor|author)s?\b",
        # "which hospitals already use them?": named users, not what a field gains
        r"\bwhich (hospitals|clinics|banks|insurers|startups|brands|governments|countries|"
        r"universities|schools|retailers)\b",
        # "who was behind BERT?", "who published CLIP?": who did a deed, in any words
        r"\bwho\b.{0,20}\b(behind|responsible for)\b",
        r"\bwho (funds|pays for|finances|sponsors|invests in)\b",
        rf"\bwho (actually |really )?(makes|builds|creates|develops|trains|sells|owns) {_MODEL}",
        # "which specific drugs were found with them?": instances the guide never names
        r"\bwhich (specific|particular|exact|actual)\b",
        rf"\b{_MODEL}[\w.-]* (made|built|created|developed|released|trained|owned|designed) by\b",
        rf"\b(made|built|created|developed|released|owned) by {_FIRM}",
        rf"\bdid {_FIRM} (make|create|build|develop|release|invent|train)\b",
        rf"\bwhere (was|were|is|are) {_MODEL}[\w.-]* (developed|made|built|created|invented)",
        r"\bwho (?!benefit|use|profit|need|want|care|interest)\w+ed\b",
        rf"\b(creators?|makers?|developers?|owners?) of {_MODEL}",
    ),
    "dates": (
        r"\b(what|which) year\b",
        r"\bwhen (was|were|did|had)\b",
        r"\bhow old\b",
        r"\brelease date\b",
        r"\b(what|which) (month|date|decade|century)\b",
        r"\bcame out (in|on|first|before|after)\b",
        r"\bdid [\w.' -]{1,25} come out\b",
        r"\bhow long ago\b",
        r"\bsince when\b",
        r"\b(first )?(released|launched|published|announced|introduced) (in|on|before|after)\b",
    ),
    "figures": (
        r"\bhow (many|big|large|long|heavy|accurate|fast)\b",
        r"\bhow much (did|does|do|will|would) [\w'. -]{1,30}cost\b",
        rf"\b{_MODEL}[\w.-]*(['’]s)? (training |running )?(cost|price)s?\b",
        r"\b(context (length|window)|vocabulary size|tokens)\b",
        r"\bhow much (data|text|memory|storage|ram|disk|time|money|does it cost|do they cost)\b",
        r"\b(parameters?|gigabytes?|terabytes?|accuracy|benchmarks?|percentage)\b",
        r"\bsize of\b",
        rf"\b(does|do|is|are) {_MODEL}[\w.-]*( \d+)? (cost|costs|charge|paid|free)\b",
        r"\b(what|which) size\b",
        r"\b(the|what|total) number of\b",
        r"\bwhat(?:'s| is| are) the (price|prices|pricing|cost|costs) (of|for|to)\b",
        r"\b(percent|per ?cent|score on|scores on|imagenet|glue)\b",
        r"\bper (month|year|hour|day|token|request|user|seat)\b",
    ),
    "expansions of names": (
        r"\bstands? for\b",
        rf"\bwhat does (the \w+ in )?{_MODEL}[\w.-]* mean\b(?! (for|to))",
        r"\bacronym\b",
        r"\babbreviat",
        r"\bshort for\b",
        r"\bfull (name|form|title)\b",
        r"\b(what do the letters|initials)\b",
        r"\bspell(ed|t)? out\b",
    ),
    "steps to follow": (
        r"\bhow (do|can|should|would) (i|we|you) (install|set ?up|download|deploy|fine-?tune|"
        r"train|run|host|configure)\b",
        r"\bstep[- ]by[- ]step\b",
        r"\bsteps (to|for) (install|set|run|use|using|build|train|fine|deploy|get|download)",
        r"\binstall(ing|ation)?\b",
        r"\btutorial\b",
        r"\bhow to (install|set ?up|download|deploy|fine-?tune|train|run|host|configure|load|"
        r"import|call|code|program|prompt)\b",
        r"\b(pytorch|tensorflow|hugging ?face|pip install|github|code (example|sample)s?)\b",
        rf"\bpython\b.{{0,30}}\b{_MODEL}|\b{_MODEL}.{{0,30}}\bpython\b",
        r"\brun (it|them|[\w.-]+) (locally|offline|on (a|my|an|your) "
        r"(laptop|pc|computer|gpu|mac|machine|server|cpu|raspberry))\b",
        r"\b(system|hardware) requirements\b",
    ),
    "product details": (
        rf"\b(what|which) languages? (does|do|can|is|are) {_MODEL}",
        r"\b(which|what) (dataset|data ?sets?|corpus|images|texts|licen[cs]e|version|"
        r"programming language|architecture|hardware|gpus?)\b",
        r"\b(latest|newest|current) version\b",
        r"\bweights\b",
        r"\blicen[cs](e|es|ed|ing)\b",
        rf"\b(library|libraries|package|sdk|api key|endpoint|model card|checkpoint)s?\b.{{0,20}}"
        rf"\b{_MODEL}",
        rf"\b(what|which) (data|texts?|sources)\b.{{0,30}}\b{_MODEL}",
        rf"\b(what|which) (was|were|is|are) {_MODEL}[\w.-]* trained on\b",
        r"\bwritten in\b",
        r"\btrained on (which|what)\b",
        r"\bwhere (is|are) (?!glissando|you)\S.{0,40} "
        r"(located|hosted|stored|headquartered|based)\b",
        # A named model and one of its details: "the architecture of GPT", "is CLIP free?"
        rf"\b{_DETAIL}\b.{{0,20}}\b{_MODEL}",
        rf"\b{_MODEL}[\w.-]*(['’]s)? {_DETAIL}",
        rf"\b(is|are) {_MODEL}[\w.-]* (open[- ]?source|free|paid|proprietary)\b",
        rf"\bhow (do|can) (i|we) (get|obtain) (access|an? api key)\b.{{0,10}}\b{_MODEL}",
        rf"\bhow (do|can|to) (i |we )?(call|use|access|query) (the )?{_MODEL}[\w.-]* api\b",
        rf"\b(download|buy|try out) {_MODEL}",
    ),
}
# The guide describes foundation models; it ranks none against another.
_KINDS["rankings of one model against another"] = (
    # "which is best?", "the best model for translation", not "the best way to reach you"
    r"\b(which|what)(?:'s| is| are)? (the )?(best|better|top|most (powerful|accurate|popular)|"
    r"strongest|fastest|smartest|biggest|largest|cheapest)(?=\s*([,?]|$| for\b| "
    r"(foundation |language |ai )?(model|one|llm|option|choice|tool)s?\b))",
    r"\boutperform",
    r"\bwhich (\w+ )?(model|one|llm)s? (is|are) (the )?(best|better|most|top|fastest|biggest|"
    r"largest|cheapest|strongest)\b",
    rf"\bdifferences? between {_MODEL}[\w.-]* and {_MODEL}",
    # Between named models: "is GPT better than BERT?" ("one big model better than many
    # small ones" is the guide's own benefit)
    rf"\b{_MODEL}[\w.-]* (is |are )?(better|faster|smarter|bigger|cheaper|more accurate) than\b",
    rf"\b(better|faster|smarter|bigger|cheaper|more accurate) than {_MODEL}",
    rf"\b(is|are) {_MODEL}[\w.-]* (better|faster|smarter|bigger|cheaper|more accurate)\b",
    # "which is faster, BERT or GPT?": a choice between two named models
    rf"\bwhich (is|one is|of them is|would be) \w+(er|est)\b.{{0,20}}\b{_MODEL}",
)
# Whether a use is lawful is a question for a lawyer (and for the team, about our own work).
_KINDS["legal advice"] = (
    r"\b(gdpr|hipaa|ccpa|lawful|unlawful|compliant|compliance)\b",
    r"\b(is|are) (it|this|that|they) (legal|allowed|permitted)\b",
    r"\blegal (to|for)\b",
)
# Not the guide's at all: what Glissando itself makes, offers or uses is for the team.
_KINDS["details of our own services"] = (
    r"\b(does|do) glissando\b",
    r"\bglissando (make|build|offer|use|sell)s?\b",
    r"\bwhere (is|are) (glissando|you) (based|located)\b",
    r"\b(are|is) (you|you guys|glissando|your (company|team)) (hiring|open|recruiting)\b",
    r"\b(do|does) (you|you guys|glissando) have (an? |any )?(offices?|case stud|clients|customers|"
    r"partners?|references|jobs|vacanc|openings|a partner)",
    r"\bare you (a |an )?(real|human|bot|robot|person|machine|ai|chatgpt)\b",
    r"\b(refund|cancellation|privacy|return) polic",
    r"\b(work|job|jobs|careers?|internships?) (for|at) (glissando|you)\b",
)
# Not a question about the guide: a task for the assistant ("write me a poem", "translate
# hello into Spanish"), or small talk. The guide answers questions; it does no tasks.
_KINDS["work done on request"] = (
    # ... unless what is asked for is the guide in short ("write me a summary")
    r"^(please |pls |plz )?(?!.*\b(summary|summari[sz]e|recap|overview|tl;?dr|short version|"
    r"takeaways)\b)(write|compose|draft|draw|paint|translate|solve|calculate|compute|play|sing|"
    r"book|order|generate|create|make) (me |us |a |an |my |this |some |\w+ into)",
    # "can you write me a poem?" (but "can you translate a contract with them?" asks what
    # the models do)
    r"^(can|could) you (write|compose|draw|translate|solve|calculate|play|sing|tell) (me|us)\b",
    r"^(please |pls |plz )?tell me (a |an |some )?(joke|story|riddle|poem|fun fact)",
    r"^(please |pls |plz |can you |could you )?(recommend|suggest) (me|us) (a|an|some)\b",
    r"\bmy homework\b",
)
_KINDS["small talk"] = (
    r"^(hi|hello|hey|good (morning|afternoon|evening|night)|thanks?|thank you|bye|goodbye|"
    r"how are you|what'?s up|cheers)( (there|all|everyone|bot|assistant|guys|so much|a lot|"
    r"again|you|today))*[\s!.,?]*$",
    r"\bmeaning of life\b",
)
_PATTERNS = [(kind, re.compile(p, re.IGNORECASE)) for kind, ps in _KINDS.items() for p in ps]


def asked_for(question: str) -> str | None:
    """The kind of answer ``question`` asks for, if the guide never holds that kind."""
    return next((kind for kind, pattern in _PATTERNS if pattern.search(question)), None)
