"""The composer grammar: one line in, one typed command out, or one helpful error line."""

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from solocrm_tui.core.composer import grammar
from solocrm_tui.core.composer.grammar import (
    ALIASES,
    COMMANDS,
    AddCustomer,
    Buy,
    CloseTicket,
    DealItems,
    Find,
    Go,
    Help,
    LogInteraction,
    Lost,
    MoveStage,
    NewDeal,
    NewFollowUp,
    Note,
    OpenTicket,
    Responded,
    ShowLog,
    Tag,
    Unarchive,
    Undo,
    Untag,
    Won,
    complete_command,
    item_being_typed,
    parse,
    template_being_typed,
)
from solocrm_tui.core.contacts.recurrence import Recurrence
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.products import Item

NOW = datetime(2026, 11, 22, 10, 30)  # a Sunday
FRI_9 = datetime(2026, 11, 27, 9, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # notes
        ("sent the brochure", Note("sent the brochure", None)),
        ("  trailing   spaces kept inside  ", Note("trailing   spaces kept inside", None)),
        ("@alice likes green", Note("likes green", "alice")),
        ("@alice_smith likes green", Note("likes green", "alice smith")),
        ('@"Alice Smith" likes green', Note("likes green", "Alice Smith")),
        ("@alice: call back", Note("call back", "alice")),
        ("@Alice, asked for a demo", Note("asked for a demo", "Alice")),
        ("met @bob at the fair", Note("met @bob at the fair", None)),
        ("mail ann@example.com the deck", Note("mail ann@example.com the deck", None)),
        ("/note remember the dog's name", Note("remember the dog's name", None)),
        ("/NOTE @bob prefers email", Note("prefers email", "bob")),
        ("/note /path/is text", Note("/path/is text", None)),
        # interactions
        ("/call", LogInteraction("call", "out", "", None)),
        ("/call left a voicemail", LogInteraction("call", "out", "left a voicemail", None)),
        ("/call< asked about pricing", LogInteraction("call", "in", "asked about pricing", None)),
        ("/call<", LogInteraction("call", "in", "", None)),
        ("/CALL @bob", LogInteraction("call", "out", "", "bob")),
        ("/email sent the quote", LogInteraction("email", "out", "sent the quote", None)),
        ("/email< got their reply", LogInteraction("email", "in", "got their reply", None)),
        ("/Email< @ann_lee got their reply", LogInteraction("email", "in", "got their reply", "ann lee")),
        ("/email wrote to bob@example.com", LogInteraction("email", "out", "wrote to bob@example.com", None)),
        ("/meet", LogInteraction("meeting", "out", "", None)),
        ("/meet coffee at the station", LogInteraction("meeting", "out", "coffee at the station", None)),
        ("/meet<", LogInteraction("meeting", "in", "", None)),
        ("/meeting lunch", LogInteraction("meeting", "out", "lunch", None)),
        ("/meeting< @bob demo", LogInteraction("meeting", "in", "demo", "bob")),
        # follow-ups
        ("/follow fri send quote", NewFollowUp(FRI_9, "send quote", None)),
        ("/follow fri 14:30 send quote", NewFollowUp(datetime(2026, 11, 27, 14, 30), "send quote", None)),
        ("/follow tomorrow call back", NewFollowUp(datetime(2026, 11, 23, 9, 0), "call back", None)),
        ("/follow today chase invoice", NewFollowUp(NOW, "chase invoice", None)),
        ("/follow 3d check in", NewFollowUp(datetime(2026, 11, 25, 9, 0), "check in", None)),
        ("/follow 2w renewal", NewFollowUp(datetime(2026, 12, 6, 9, 0), "renewal", None)),
        ("/follow 1m renewal", NewFollowUp(datetime(2026, 12, 22, 9, 0), "renewal", None)),
        ("/follow 3h ring back", NewFollowUp(datetime(2026, 11, 22, 13, 30), "ring back", None)),
        ("/follow 14:30 ring back", NewFollowUp(datetime(2026, 11, 22, 14, 30), "ring back", None)),
        ("/follow 2026-12-01 9:05 renewal", NewFollowUp(datetime(2026, 12, 1, 9, 5), "renewal", None)),
        ("/follow @bob fri send quote", NewFollowUp(FRI_9, "send quote", "bob")),
        ('/follow @"Ann Lee" FRIDAY send quote', NewFollowUp(FRI_9, "send quote", "Ann Lee")),
        ("/fu fri send quote", NewFollowUp(FRI_9, "send quote", None)),
        ("/follow fri send 5 boxes", NewFollowUp(FRI_9, "send 5 boxes", None)),
        ("/follow fri ask @carol for intro", NewFollowUp(FRI_9, "ask @carol for intro", None)),
        # repeating follow-ups (the rules themselves: tests/core/contacts/test_recurrence.py)
        ("/follow @ann every 2w check in", NewFollowUp(datetime(2026, 12, 6, 9, 0), "check in", "ann",
                                                       recurrence=Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"))),
        ("/follow every fri 9:00 weekly call", NewFollowUp(FRI_9, "weekly call", None,
                                                           recurrence=Recurrence("FREQ=WEEKLY;BYDAY=FR"))),
        ("/follow every month on the 1st invoice", NewFollowUp(datetime(2026, 12, 1, 9, 0), "invoice", None,
                                                               recurrence=Recurrence("FREQ=MONTHLY;BYMONTHDAY=1"))),
        ("/follow weekdays 8:30 standup", NewFollowUp(datetime(2026, 11, 23, 8, 30), "standup", None,
                                                      recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"))),
        ("/follow every 3d water until 2027-06-30 from done",
         NewFollowUp(datetime(2026, 11, 25, 9, 0), "water", None,
                     recurrence=Recurrence("FREQ=DAILY;INTERVAL=3;UNTIL=20270630T235959", "done"))),
        ("/todo every year renew the domain", NewFollowUp(datetime(2027, 11, 22, 9, 0), "renew the domain", None,
                                                          personal=True,
                                                          recurrence=Recurrence("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=22"))),
        # orders and deals
        ("/buy 1200", Buy(Decimal("1200"), "", None)),
        ("/buy 1200 two chairs", Buy(Decimal("1200"), "two chairs", None)),
        ("/buy 1,200.50 desk", Buy(Decimal("1200.50"), "desk", None)),
        ("/buy 1200,50 desk", Buy(Decimal("1200.50"), "desk", None)),
        ("/buy €99 mug", Buy(Decimal("99"), "mug", None)),
        ("/buy € 99 mug", Buy(Decimal("99"), "mug", None)),
        ("/buy 99 € mug", Buy(Decimal("99"), "mug", None)),
        ("/buy @bob 2.5k annual plan", Buy(Decimal("2500"), "annual plan", "bob")),
        # Anything not starting with an amount is catalogue items, resolved when run.
        ("/buy 2x EK43", Buy(None, "", None, (Item(2, "EK43"),))),
        ("/buy @bob 2 x EK43, 3× beans 1kg at 12.50", Buy(None, "", "bob", (Item(2, "EK43"),
                                                                              Item(3, "beans 1kg", Decimal("12.50"))))),
        ("/buy lunch 12", Buy(None, "", None, (Item(1, "lunch 12"),))),
        ("/order 15 pens", Buy(Decimal("15"), "pens", None)),
        ("/deal 5000 website redesign", NewDeal(Decimal("5000"), "website redesign", None)),
        ("/deal @acme $12k support contract", NewDeal(Decimal("12000"), "support contract", "acme")),
        # stages
        ("/stage proposal", MoveStage("proposal", None)),
        ("/stage neg", MoveStage("negotiation", None)),
        ("/stage NEG", MoveStage("negotiation", None)),
        ("/stage q", MoveStage("qualified", None)),
        ("/stage p", MoveStage("proposal", None)),
        ("/stage le", MoveStage("lead", None)),
        ("/stage lo", MoveStage("lost", None)),
        ("/stage w", MoveStage("won", None)),
        ("/stage @bob won", MoveStage("won", "bob")),
        ("/won", Won(None)),
        ("/WON @bob", Won("bob")),
        ("/won 1,200.50", Won(None, Decimal("1200.50"))),
        ("/won @bob 1200", Won("bob", Decimal("1200"))),
        ("/item 2x EK43, 1x training at 450", DealItems((Item(2, "EK43"), Item(1, "training", Decimal("450"))))),
        ("/item @bob beans", DealItems((Item(1, "beans"),), target="bob")),
        ("/item remove Grinder EK43", DealItems(remove="Grinder EK43")),
        ("/lost went with a competitor", Lost("went with a competitor", None)),
        ("/lost @bob budget cut", Lost("budget cut", "bob")),
        # tickets and campaigns
        ("/ticket printer is broken", OpenTicket("printer is broken", None)),
        ("/ticket @bob login fails", OpenTicket("login fails", "bob")),
        ("/close", CloseTicket(None, None)),
        ("/close 1", CloseTicket(1, None)),
        ("/close 5", CloseTicket(5, None)),
        ("/close @bob 4", CloseTicket(4, "bob")),
        ("/responded spring sale", Responded("spring sale", None)),
        ("/responded @bob Black Friday 2026", Responded("Black Friday 2026", "bob")),
        # tags
        ("/tag vip", Tag("vip", None)),
        ("/tag #VIP", Tag("vip", None)),
        ("/tag @bob key-account", Tag("key-account", "bob")),
        ("/tag early_adopter", Tag("early_adopter", None)),
        ("/tag café", Tag("café", None)),
        ("/untag vip", Untag("vip", None)),
        ("/untag @bob #Churn-Risk", Untag("churn-risk", "bob")),
        # adding customers
        ("/add Ann Lee", AddCustomer("Ann Lee", None, None)),
        ("/add Ann Lee ann@example.com", AddCustomer("Ann Lee", "ann@example.com", None)),
        ("/add ann@example.com Ann Lee", AddCustomer("Ann Lee", "ann@example.com", None)),
        ("/add Ann Lee +44 20 7946 0958", AddCustomer("Ann Lee", None, "+44 20 7946 0958")),
        (
            "/add Ann Lee ann@example.com (555) 123-4567",
            AddCustomer("Ann Lee", "ann@example.com", "(555) 123-4567"),
        ),
        ("/add Ann 0612345678 Lee", AddCustomer("Ann Lee", None, "0612345678")),
        ('/add "Ann Lee" ann@example.com', AddCustomer("Ann Lee", "ann@example.com", None)),
        ('/add "Studio 54" 555-1234-99', AddCustomer("Studio 54", None, "555-1234-99")),
        ("/add Studio 54", AddCustomer("Studio 54", None, None)),
        ('/add "@home Bakery" hi@home.com', AddCustomer("@home Bakery", "hi@home.com", None)),
        ("/add Ann Lee 12345", AddCustomer("Ann Lee 12345", None, None)),
        # navigation and the rest
        ("/find acme", Find("acme")),
        ("/find @gmail.com", Find("@gmail.com")),
        ("/find Ann Lee", Find("Ann Lee")),
        ("/find", Find("")),  # the search screen, empty: ctrl+f typed as a command
        ("/go today", Go("today")),
        ("/go cust", Go("customers")),
        ("/go Pi", Go("pipeline")),  # "/go p" is pipeline or products now: a clear "ambiguous" refusal
        ("/go pr", Go("products")),
        ("/go ins", Go("insights")),
        ("/go t", Go("today")),
        ("/undo", Undo()),
        ("/undo list", Undo(list_only=True)),
        ("/unarchive", Unarchive()),
        ("/UNDO", Undo()),
        ("/help", Help(None)),
        ("/log", ShowLog()),
        ("/help follow", Help("/follow")),
        ("/help /buy", Help("/buy")),
        ("/help fu", Help("/follow")),
        ("/help email<", Help("/email")),
    ],
)
def test_parse_accepts(text, expected):
    assert parse(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "nothing to send"),
        ("   ", "nothing to send"),
        ("/flw fri x", "unknown command /flw"),
        ("/flw fri x", "type /help for the list"),
        ("/flw fri x", "did you mean /follow?"),
        ("/", "unknown command /"),
        ("/xyz<", "unknown command /xyz<"),
        ("/fol fri x", "unknown command /fol"),
        ("@alice", "a note needs some text"),
        ("@", "@ needs a customer name"),
        ('@"" hello', "@ needs a customer name"),
        ('@"Alice Smith hello', "unclosed quote"),
        ("/note", "a note needs some text: usage /note"),
        ("/note @bob", "a note needs some text"),
        ("/email<", "/email< needs a summary of what they wrote: usage /email"),
        ("/email< @bob", "/email< needs a summary"),
        ("/follow< fri x", "only /call, /email and /meet take <"),
        ("/buy< 5", "only /call, /email and /meet take <"),
        ("/follow", "/follow needs a date and a title: usage /follow [@who] WHEN TEXT"),
        ("/follow @bob", "/follow needs a date and a title"),
        ("/follow fri", "/follow needs a title after the date"),
        ("/follow every fri 9:00", "/follow needs a title after the rhythm"),
        ("/follow every 0d x", '"every 0d" must count at least 1'),
        ("/follow every month on the 32nd x", "there is no 32nd day of a month"),
        ("/follow every 2w x until 2026-01-01", "until 2026-01-01 is in the past"),
        ("/follow fri 14:30", "/follow needs a title after the date"),
        ("/follow frdi send quote", 'unknown date "frdi": use today, tomorrow, 3d, 2w, 1m, fri or 2026-12-01'),
        ("/follow send quote", 'unknown date "send"'),
        ("/follow 2026-02-30 renewal", 'no such date "2026-02-30"'),
        ("/follow fri 25:00 x", 'bad time "25:00"'),
        ("/follow 0w x", "at least 1"),
        ("/follow 3654d x", "too far ahead"),
        ("/buy", "/buy needs an amount or items: usage /buy [@who] AMOUNT [TEXT]"),
        ("/buy 2x", '"2x" names no product'),
        ("/buy 0x EK43", "a quantity is a whole number from 1"),
        ("/buy EK43 at lots", 'the price after "at" is not an amount'),
        ("/buy EK43,, beans", "an empty item"),
        ("/buy -5 refund", "can't be negative"),
        ("/buy 12.345 x", "more than 2 decimals"),
        ("/buy 2e12 x", 'not an amount "2e12"'),
        ("/buy 2000000000k x", "too large"),
        ("/order", "/buy needs an amount"),
        ("/deal", "/deal needs an amount"),
        ("/deal 5000", "/deal needs a title after the amount: usage /deal [@who] AMOUNT TITLE"),
        ("/deal website 5000", '/deal: not an amount "website"'),
        ("/stage", "/stage needs a stage"),
        ("/stage l", 'stage "l" is ambiguous: lead or lost'),
        ("/stage closed", 'unknown stage "closed": use lead, qualified, proposal, negotiation, won, lost'),
        ("/stage won now", 'unknown stage "won now"'),
        ("/won yes", '/won: not an amount "yes"'),
        ("/won 1200 now", '/won takes an amount only, got "1200 now"'),
        ("/item", "/item needs items"),
        ("/item remove", "/item remove needs a product"),
        ("/item 0x EK43", "a quantity is a whole number"),
        ("/lost", "/lost needs a reason: usage /lost [@who] REASON"),
        ("/lost @bob", "/lost needs a reason"),
        ("/ticket", "/ticket needs a subject"),
        ("/close 7", '/close takes a satisfaction score from 1 to 5, got "7"'),
        ("/close 0", 'got "0"'),
        ("/close great", 'got "great"'),
        ("/close 4.5", 'got "4.5"'),
        ("/close 5 thanks", 'got "5 thanks"'),
        ("/responded", "/responded needs a campaign"),
        ("/tag", "/tag needs a tag: usage /tag [@who] TAG"),
        ("/tag big client", "a tag is one word: try /tag big-client"),
        ("/untag #", "not a tag"),
        ("/tag v.i.p", "not a tag"),
        ("/untag", "/untag needs a tag"),
        ("/add", "/add needs a name: usage /add NAME [EMAIL] [PHONE]"),
        ("/add ann@example.com", "/add needs a name"),
        ("/add +44 20 7946 0958", "/add needs a name"),
        ("/add Ann ann@example", '"ann@example" is not a valid email address'),
        ("/add @home Bakery", '"@home" is not a valid email address'),
        ("/add Ann a@x.com b@y.com", "/add takes one email, got a@x.com and b@y.com"),
        ("/add Ann 0612345678 Lee 0698765432", "/add takes one phone number"),
        ('/add "Ann Lee ann@example.com', "unclosed quote"),
        ("/go", "/go needs a screen"),
        ("/go settings", 'unknown screen "settings": use today, customers, pipeline, insights'),
        ("/go today now", 'unknown screen "today now"'),
        ("/undo please", '/undo takes nothing after it, got "please"'),
        ("/help nonsense", 'no help for "nonsense"'),
        ("help", "“help” is a command: type /help"),
        ("@alice Undo", "“Undo” is a command: type /undo (for a one-word note: /note Undo)"),
        ("order", "“order” is a command: type /order"),
    ],
)
def test_parse_rejects(text, fragment):
    with pytest.raises(ValidationError) as raised:
        parse(text, NOW)
    message = str(raised.value)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/fo", ["/follow"]),
        ("/FO", ["/follow"]),
        ("/t", ["/tag", "/template", "/ticket", "/todo"]),
        ("/u", ["/unarchive", "/undo", "/untag"]),
        ("/follow", ["/follow"]),
        ("/fu", ["/fu"]),
        ("/meeti", ["/meeting"]),
        ("/zz", []),
        ("fo", []),
        ("", []),
    ],
)
def test_complete_command(prefix, expected):
    assert complete_command(prefix) == expected


def test_complete_command_lists_everything_for_a_slash():
    assert complete_command("/") == sorted(COMMANDS)


def test_every_command_has_a_usage_that_starts_with_its_word():
    for word, usage in COMMANDS.items():
        assert usage.startswith(word), word
        assert " — " in usage, word
        assert "\n" not in usage, word
    assert set(ALIASES.values()) <= set(COMMANDS)


def test_every_command_word_parses_or_explains_itself():
    """No command in the help list is unknown to the parser."""
    for word in [*COMMANDS, *ALIASES]:
        try:
            parse(word, NOW)
        except ValidationError as error:
            assert "unknown command" not in str(error), word


@pytest.mark.parametrize(
    "command",
    [Note("x"), LogInteraction("call", "out", ""), NewFollowUp(NOW, "x"), Buy(Decimal(1), ""), Won(), Help(), Go("today")],
)
def test_commands_are_frozen(command):
    field = dataclasses.fields(command)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(command, field, "changed")


def test_target_field_only_on_customer_commands():
    for command in (Note, LogInteraction, NewFollowUp, Buy, NewDeal, MoveStage, Won, Lost):
        assert "target" in {f.name for f in dataclasses.fields(command)}
    for command in (OpenTicket, CloseTicket, Responded, Tag, Untag):
        assert "target" in {f.name for f in dataclasses.fields(command)}
    for command in (AddCustomer, Find, Go, Undo, Help):
        assert "target" not in {f.name for f in dataclasses.fields(command)}


def test_amounts_are_decimals_not_floats():
    command = parse("/buy 0.10 gum", NOW)
    assert isinstance(command.amount, Decimal)
    assert command.amount * 3 == Decimal("0.30")


@pytest.mark.parametrize(("value", "expected"), [
    ("/buy 2x ek", ("/buy 2x", "ek")),
    ("/buy beans, 1x gr", ("/buy beans, 1x", "gr")),
    ("/buy @ann 2x grinder e", ("/buy @ann 2x", "grinder e")),
    ("/buy beans + 3 x esp", ("/buy beans + 3 x", "esp")),
    ("/BUY ek", ("/BUY", "ek")),
    ("/item 2x ek", ("/item 2x", "ek")),  # lines on the open deal are products too
    ("/buy ek, ", None),  # the next item is not begun
    ("/buy @an", None),  # a customer is being named: @name completion's
    ("/note gr", None),  # not an item command
])
def test_item_being_typed(value, expected):
    assert item_being_typed(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("/template ", ("/template", "")),
    ("/template fo", ("/template", "fo")),
    ("/Template @ann fo", ("/Template @ann", "fo")),
    ("/email @ann ", ("/email @ann", "")),
    ('/email @"Ann Lee" offer-w', ('/email @"Ann Lee"', "offer-w")),
    ("/email @ann thanks for the call", None),  # a text, not a template's name
    ("/email< @ann fo", None),  # an inbound mail logged by hand has no template
    ("/email @an", None),  # a customer is being named: @name completion's
    ("/note fo", None),
])
def test_template_being_typed(value, expected):
    assert template_being_typed(value) == expected


@pytest.mark.parametrize("text, command", [
    ("/email", grammar.WriteEmail(None, None)),
    ("/email @bob", grammar.WriteEmail(None, "bob")),
    ("/template", grammar.ShowTemplate(None, None)),
    ("/template @bob follow-up", grammar.ShowTemplate("follow-up", "bob")),
])
def test_email_alone_writes_one_and_template_previews(text, command, now):
    assert grammar.parse(text, now) == command
