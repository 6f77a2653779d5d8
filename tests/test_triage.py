"""The triage engine, signal by signal, and the verdicts that follow from them."""

from __future__ import annotations

from typing import Any

import pytest

from site_app.triage import Submission, fingerprints, judge, text_fingerprint
from site_app.triage.memory import LocalMemory

PLAIN = "We would like a chatbot for our clinic's website that books appointments."


def sub(message: str = PLAIN, **fields: Any) -> Submission:
    defaults: dict[str, Any] = {
        "name": "Maria Jensen",
        "email": "maria@nordlys-dental.dk",
        "service": "Chatbot",
        "honeypot": False,
        "fill_seconds": 30.0,
        "confirmed": False,
        "client": "client-1",
    }
    return Submission(message=message, **{**defaults, **fields})


# (what changes from a plain inquiry, the signal that must fire)
SIGNALS = [
    ({"honeypot": True}, "honeypot"),
    ({"fill_seconds": 1.0}, "fast_fill"),
    ({"fill_seconds": 1.0, "confirmed": True}, "fast_fill"),
    ({"message": "See https://a.example.com https://b.example.com https://c.example.com"}, "links"),
    ({"message": "Our results: https://bit.ly/3xRank"}, "shortener"),
    ({"message": "[url=https://casino.example.top]play[/url]"}, "markup"),
    ({"message": '<a href="https://pills.example.net">buy</a>'}, "markup"),
    ({"name": "www.cheap-seo-services.net"}, "name_link"),
    ({"name": "https://bestloans24.com"}, "name_link"),
    ({"name": "XkGhtrVbnQ"}, "name_random"),
    ({"name": "qwzrtplkjh"}, "name_random"),
    ({"name": "CharlesSeaws"}, "name_random"),
    ({"message": "JmPoqRtzLkWvYx dfgKlpQw zxcVbnMqwe"}, "gibberish"),
    ({"message": "Yоur аccоunt hаs bееn suspеndеd"}, "lookalike"),  # Cyrillic о, а, е
    ({"email": "john123@mailinator.com"}, "disposable"),
    ({"message": "Details at https://landing.example.org/offer"}, "foreign_link"),
    ({"email": "sales@lux-replicas.top"}, "risky_tld"),
    ({"message": "We can get you to the first page of Google, free audit."}, "seo"),
    ({"message": "High DA do-follow backlinks, permanent."}, "backlinks"),
    ({"message": "Buy viagra without prescription"}, "pharmacy"),
    ({"message": "I have hacked your device and recorded you. Pay in bitcoin."}, "extortion"),
    ({"message": "Продвижение сайта в ТОП-10 Яндекса, бесплатный аудит сайта"}, "seo"),
    ({"message": "本公司常年代开各地正规增值税发票，税点低"}, "payment_demand"),
    ({"message": "Лучшее онлайн казино, фриспины"}, "gambling"),
    ({"message": "Vіаgrа without prescription"}, "pharmacy"),  # look-alikes read as Latin
    ({"message": "We provide data labeling. Can I share a sample project?"}, "pitch"),
    ({"message": "Only $499 per month, cancel anytime."}, "price_offer"),
    ({"message": "Your company has been nominated; pay the participation fee."}, "advance_fee"),
    ({"message": "Please sign: https://docusign-envelopes.net/s/8f2a"}, "brand_link"),
    ({"message": "Payout on hold, verify at https://paypal.com.account-review.ru"}, "brand_link"),
    ({"message": "Hello. \n\nAnd Bye."}, "empty"),
    ({"message": "qLhWnAzyJrGDKtSOuvPNbcfEFeT"}, "empty"),
]


def test_a_pitch_that_also_asks_for_something_is_no_pitch() -> None:
    asks = "We provide data labeling. Can you quote for 10,000 images? Can I share a sample?"
    assert "pitch" not in judge(sub(asks), LocalMemory()).signals


@pytest.mark.parametrize(("change", "signal"), SIGNALS)
def test_each_signal_fires_on_its_case(change: dict[str, Any], signal: str) -> None:
    verdict = judge(sub(**change), LocalMemory())
    assert signal in verdict.signals
    assert len(verdict.reasons) == len(verdict.signals)


# Real people look like this too; none of these alone may hold an inquiry.
GENUINE_ALONE = [
    {"message": "Our shop is https://www.atelierdupont.fr, could it get a chatbot?"},
    {"message": "Brief: https://docs.google.com/document/d/1xQ4bT9pLmZ0aR7/edit"},
    # A brand's own site, and a site whose name only contains a brand's letters
    {"message": "I signed it, see https://app.docusign.com/documents/details/4f1c"},
    {"message": "Our export: https://doc-0k-8s-docs.googleusercontent.com/docs/4f1c"},
    {"message": "Could the bot link to https://appleid.apple.com/account for resets?"},
    {"message": "Could you build a chatbot for our meetup? https://groups.io/g/startups-zurich"},
    {"message": "Budget is $15,000 to $25,000, we need it before Black Friday."},
    {"message": "URGENT: our bot supplier closed, please call me today ASAP."},
    {"message": "We want AI product descriptions that help our SEO."},
    {"message": "Здравствуйте! Нужен чат-бот для записи на приём. Сколько стоит?"},
    {"message": "您好！我们想在网站上做一个中英文客服机器人，请问可以做吗？"},
    {"email": "rajkumar1991@gmail.com"},
    {"message": "Price?"},
    {"message": "Call me"},
    {"message": "Hello, call me on 087 223 4190"},
    {"message": "Hola, ¿precio?"},
    {"message": "Hi! CRM?"},
    {"name": "王芳"},
    {"name": "Mr. Emmanuel Adebayo", "message": "Dear Sir/Madam, kindly send your rates."},
    {"message": "I noticed your website mentions legal chatbots. Could we see a demo?"},
    {"name": "Liam O'Connor", "email": "liam.oconnor+site@gmail.com"},
    {"fill_seconds": 2.0, "confirmed": True, "message": "Do you offer workshops?"},
    {"message": "Hi there, quick question: do you offer a free trial or a free demo?"},
    {"message": "We're a marketing agency; our clients want chatbots. Can you quote?"},
    {"message": "Budget approved: $40k for a pilot. Need a vendor by the end of the month."},
]


@pytest.mark.parametrize("change", GENUINE_ALONE)
def test_what_real_people_write_alone_is_a_lead(change: dict[str, Any]) -> None:
    verdict = judge(sub(**change), LocalMemory())
    assert verdict.outcome == "lead", verdict.reasons


def test_the_honeypot_alone_holds_and_never_files_spam() -> None:
    verdict = judge(sub(honeypot=True), LocalMemory())
    assert verdict.outcome == "held"
    assert verdict.signals == ("honeypot",)
    assert "hidden website field" in verdict.reasons[0]


@pytest.mark.parametrize("message", ["hello", "Hi there!", "test", "Olá", "Hello. And Bye."])
def test_a_message_that_says_nothing_is_held_and_never_filed_as_spam(message: str) -> None:
    verdict = judge(sub(message), LocalMemory())
    assert verdict.outcome == "held"
    assert "empty" in verdict.signals


def test_a_patient_bot_with_an_seo_pitch_and_a_shortener_is_kept_out() -> None:
    message = (
        "Hi, I was checking your website and noticed it is not ranking on the first page "
        "of Google. See our results: https://bit.ly/3xRankBoost Reply for a free audit."
    )
    verdict = judge(sub(message, fill_seconds=5.0), LocalMemory())
    assert verdict.outcome in {"held", "spam"}
    assert any("bit.ly" in reason for reason in verdict.reasons)


def test_the_shortener_reason_reads_as_sales_read_it() -> None:
    message = "See https://www.example.org/about and https://bit.ly/3xR"
    reasons = judge(sub(message), LocalMemory()).reasons
    assert "2 links, one through a URL shortener (bit.ly)" in reasons


def test_several_strong_signals_agreeing_file_certain_spam() -> None:
    message = (
        "Turn $250 into $12,000 with our AI trading bot, passive income guaranteed! "
        "[url=https://cryptogainz.example.top/start]Start earning now[/url]"
    )
    verdict = judge(sub(message, name="CryptoAdvisor"), LocalMemory())
    assert verdict.outcome == "spam"
    assert {"markup", "money_bait"} <= set(verdict.signals)


def test_a_submission_repeating_one_sales_marked_is_spam_by_address_text_or_site() -> None:
    memory = LocalMemory()
    marked = sub(
        "Boost your rankings with our link building packages at https://rankfast.example.biz",
        email="Sales.Team@gmail.com",
        client="a",
    )
    memory.mark_spam(marked)
    same_address = sub("Price?", email="salesteam+x@gmail.com", client="b")
    same_text = sub(marked.message.upper(), email="other@example.com", client="c")
    same_site = sub("Look: https://www.rankfast.example.biz/x", email="z@example.com")
    for later in (same_address, same_text, same_site):
        verdict = judge(later, memory)
        assert verdict.outcome == "spam"
        assert verdict.signals[0] == "marked_spam"
    assert judge(sub(), memory).outcome == "lead"


def test_marking_spam_never_remembers_shared_sites_shorteners_or_short_texts() -> None:
    marks = fingerprints(
        sub(
            "Price? https://docs.google.com/d/1 https://www.linkedin.com/in/x https://bit.ly/y",
            email="a@example.com",
        )
    )
    assert marks == {"email:a@example.com"}
    short = fingerprints(sub("Buy cheap watches now", email="b@example.com"))
    assert any(mark.startswith("text:") for mark in short)
    memory = LocalMemory()
    memory.mark_spam(sub("Price? https://docs.google.com/d/1", email="spam@example.net"))
    person = sub("Price? Our brief: https://docs.google.com/d/2", email="p@example.org")
    assert judge(person, memory).outcome == "lead"


def test_fingerprints_name_the_address_the_text_and_the_linked_sites() -> None:
    marks = fingerprints(sub(PLAIN + " https://shop.nordlys-dental.co.uk/book"))
    assert "email:maria@nordlys-dental.dk" in marks
    assert "link:nordlys-dental.co.uk" in marks
    assert text_fingerprint(PLAIN + " https://shop.nordlys-dental.co.uk/book") in marks


def test_a_campaign_from_several_clients_in_a_day_is_held() -> None:
    now = [1000.0]
    memory = LocalMemory(clock=lambda: now[0])
    pitch = (
        "I was looking at your website and wanted to reach out because we help companies "
        "generate more pipeline. Would you be open to a {n}-minute call this week?"
    )
    verdicts = []
    for n, client in enumerate(("c1", "c2", "c3", "c4"), start=15):
        submission = sub(pitch.format(n=n), email=f"{client}@example.com", client=client)
        verdicts.append(judge(submission, memory))
        memory.remember(submission)
    assert ["campaign" in v.signals for v in verdicts] == [False, False, True, True]
    assert verdicts[2].outcome != "lead"
    assert any("2 other senders" in reason for reason in verdicts[2].reasons)
    now[0] += 2 * 86400  # a day later the campaign is forgotten
    assert "campaign" not in judge(sub(pitch.format(n=1), client="c5"), memory).signals


def test_many_people_asking_the_same_short_question_is_no_campaign() -> None:
    memory = LocalMemory()
    for client in ("a", "b", "c", "d"):
        memory.remember(sub("Price?", client=client))
    assert judge(sub("Price?", client="e"), memory).outcome == "lead"


def test_text_fingerprint_ignores_what_varies_inside_a_campaign() -> None:
    one = text_fingerprint("Hi, we helped 200 businesses! See https://a.example.com/x1")
    two = text_fingerprint("hi  we helped 350 businesses.  See https://b.example.net/y")
    assert one == two
    assert one != text_fingerprint("Hi, we helped 200 companies!")


def test_a_campaign_signed_and_greeted_with_each_senders_name_shares_one_fingerprint() -> None:
    body = "we help consultancies fill their calendar with qualified calls every month."
    signed = [
        f"{hi} {body} {bye}"
        for hi, bye in [
            ("Hi Anna,", "Cheers, Daniel"),
            ("Hello Tom,", "Best regards, Emily Ward"),
            ("Hey there,", "Thanks"),
        ]
    ]
    assert len({text_fingerprint(text) for text in signed}) == 1
    # Only a closing word with at most two words after it is a sign-off.
    assert text_fingerprint("We offer the best prices in town") != text_fingerprint("We offer the")


# Pitches in other languages: the seller, offer and buyer phrases know their shapes, and
# a message that asks for nothing in German, French, Spanish or Portuguese is noticed.
OTHER_LANGUAGES = [
    ("Bonjour, notre agence accompagne les PME. Je vous propose un audit offert.", "pitch"),
    ("Hola, ofrecemos diseño web moderno. Auditoría gratuita sin compromiso.", "pitch"),
    (
        "Guten Tag, wir liefern Ihnen jeden Monat neue Termine mit Entscheidern aus dem "
        "Mittelstand für Ihr Unternehmen.",
        "no_request",
    ),
]


@pytest.mark.parametrize(("message", "signal"), OTHER_LANGUAGES)
def test_pitches_in_other_languages_show_their_shape(message: str, signal: str) -> None:
    assert signal in judge(sub(message), LocalMemory()).signals


@pytest.mark.parametrize(
    "message",
    [
        "Guten Tag, wir suchen einen Chatbot für unsere Praxis. Was kostet das?",
        "Bonjour, nous cherchons un partenaire pour nos projets d'IA et proposons "
        "de vous présenter nos clients.",
        "Olá, somos uma transportadora e precisamos de um agente para o WhatsApp.",
    ],
)
def test_requests_in_other_languages_are_no_pitch(message: str) -> None:
    signals = judge(sub(message), LocalMemory()).signals
    assert "pitch" not in signals and "no_request" not in signals


# Businesses in the trades spam is about, asking for help in their own words.
SPAMMY_TRADES = [
    "We run an online store (https://jo-store.shop) selling cheap phone accessories. "
    "Can you build a chatbot for order tracking? Budget $3k.",
    "We are an SEO agency (https://seo-kraft.de). We want an AI agent that drafts meta "
    "descriptions and checks backlinks for our clients. Can you help?",
    "Salam, I have a small crypto trading signals group on Telegram and want a bot that "
    "answers members' FAQ. How much would it cost?",
    "We are a loan broker. We want to automate collecting payslips and bank statements "
    "from applicants. No credit decisions, only document checks. Can you quote?",
    "I'm a photographer and people keep stealing my images. Could an AI tool find where "
    "my photos are used online? I don't want to send DMCA notices by hand.",
    "We run a domain registrar. Customers ask about domain expiration and renewals all "
    "day. We'd like a support chatbot. Can we talk next week?",
    "We run a dating app. Scammers write 'hot singles in your area' and ask users to move "
    "to WhatsApp. Can you build a model that flags those messages?",
    "你好，我们是一家外贸公司，想做一个谷歌SEO优化的内容生成工具，帮助我们写英文产品描述。请问可以做吗？",
    "We're a content marketing agency and we write blog posts and guest posts for "
    "clients. We need an AI tool that drafts first versions in Swedish. Can you build it?",
    "Hi, I came across your website while researching AI vendors. We're a 50-person "
    "insurance broker looking to automate claims intake. Can we schedule a call?",
    "We help SMEs with digital transformation. Our clients increasingly ask for AI "
    "agents. We'd like to partner with you on delivery. Would you be open to a call?",
]


@pytest.mark.parametrize("message", SPAMMY_TRADES)
def test_businesses_in_spammy_trades_asking_for_help_are_leads(message: str) -> None:
    verdict = judge(sub(message, email="owner@seo-kraft.de"), LocalMemory())
    assert verdict.outcome == "lead", verdict.reasons


@pytest.mark.parametrize(
    "token",
    [
        "bc178376e47a4840af67a4cbd4ff20a6",  # starts like a bech32 address, but is hex
        "da8581fafed74da89d20acca2e9849db",  # starts like "DA 85", the backlink sellers' score
        "3fa9c4e2b7d6a5f8e1c2b3a4d5e6f7a8",  # base58's alphabet, but hex
    ],
)
def test_a_reference_number_in_hex_is_not_read_as_crypto_or_backlinks(token: str) -> None:
    # Found by a test through nginx: a genuine message carrying a UUID was held.
    verdict = judge(sub(f"Through nginx {token}", fill_seconds=5.0), LocalMemory())
    assert not {"money_bait", "backlinks"} & set(verdict.signals)


# Genuine mail about payments names bank details too (issue 24, round six): the phrase is a
# topic, not an advance-fee scam's intent.
ABOUT_BANK_DETAILS = [
    "Hello, an email that looks like it comes from your accounts team says your bank details "
    "have changed. Before we pay invoice 2291 for the booking bot, can you confirm by phone "
    "which account is correct?",
    "We are setting you up as a supplier for the chatbot project. Please send your company "
    "registration number, VAT number and bank details on letterhead so finance can pay the "
    "first milestone.",
]


@pytest.mark.parametrize("message", ABOUT_BANK_DETAILS)
def test_a_client_asking_about_bank_details_is_a_lead(message: str) -> None:
    verdict = judge(sub(message, email="accounts@harbourfreight.co.uk"), LocalMemory())
    assert verdict.outcome == "lead", verdict.reasons
    assert "advance_fee" not in verdict.signals
