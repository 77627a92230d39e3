"""The contract between platform adapters and the command layer.

Adapters (Discord, Slack, terminal) only translate: a platform event becomes an
``Invocation``, a ``Reply`` becomes platform messages. Everything that gives a command
its meaning (what /brief does, who may change feeds, storage, scheduling) lives behind
``CommandService``. Keeping this module free of imports from the rest of the bot lets
adapters be written and tested against it alone (it uses only ``briefings.wording``,
the plain-text wording of quotes and speakers every platform shares).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from briefings.wording import speaker_detail, speaker_label, speaker_name


@dataclass(frozen=True)
class ChannelRef:
    """Where a command came from and where its digest goes."""

    platform: str  # "discord" | "slack" | "console"
    channel_id: str  # the platform's channel id, as a string
    guild_id: str | None = None  # Discord guild / Slack team, when known

    @property
    def key(self) -> str:
        """Storage key ``platform:channel_id``, so every platform shares one set of tables."""
        return f"{self.platform}:{self.channel_id}"

    @classmethod
    def from_key(cls, key: str) -> "ChannelRef":
        platform, _, channel_id = key.partition(":")
        return cls(platform=platform, channel_id=channel_id)


@dataclass(frozen=True)
class Invocation:
    """One slash command, already parsed by the adapter.

    ``command`` is one of ``COMMAND_NAMES``; ``options`` holds option values by the names
    in ``COMMAND_SPECS`` (strings or ints as the platform delivered them; the command
    layer validates them). ``can_manage`` is decided by the adapter from platform facts
    (Discord Manage Channels or the manager role; Slack admin or the manager group).
    """

    channel: ChannelRef
    user_id: str
    command: str
    options: Mapping[str, str | int] = field(default_factory=dict)
    can_manage: bool = False


@dataclass(frozen=True)
class QuoteView:
    """One quote as shown.

    ``text`` is the reader's text, already worded by ``briefings.wording.quote_text``
    (direct words in quotation marks once; reported speech as "said that …", never in
    marks), so adapters only escape it and lay it out. ``kind`` (``direct``,
    ``partial``, ``indirect``, ``reported``) and ``cue`` say what it is; ``story`` is the title of the
    story it comes from, on cards that span several. All of it is outside text.
    """

    text: str
    kind: str = "direct"
    cue: str | None = None
    story: str | None = None


@dataclass(frozen=True)
class SpeakerView:
    """One speaker and what they said in one article (or across a digest).

    ``name`` is ``None`` for the quotes no speaker could be named for; adapters show
    ``heading`` and ``detail`` (``briefings.wording``: the one place that labels speaker
    kinds), never ``name`` alone.
    """

    name: str | None
    role: str | None
    kind: str  # "person" | "organization" | "source" | "unknown"
    quotes: tuple[QuoteView, ...]

    @property
    def heading(self) -> str:
        """The name, or "Unattributed"."""
        return speaker_name(self.name)

    @property
    def detail(self) -> str | None:
        """Role and kind ("organisation", "unnamed source") to show after the name."""
        return speaker_detail(self.role, self.kind) if self.name is not None else None

    @property
    def label(self) -> str:
        """``heading (detail)`` as one plain string."""
        return speaker_label(self.name, self.role, self.kind)


@dataclass(frozen=True)
class Card:
    """One article as shown to a channel.

    Every string here comes from the article, i.e. from the outside world: adapters
    MUST escape it (no mentions, no markdown/mrkdwn injection) and split it to the
    platform's limits.
    """

    title: str
    url: str | None
    source: str | None
    summary: tuple[str, ...]
    speakers: tuple[SpeakerView, ...]
    note: str | None = None
    #: The standfirst, shown under the headline.
    dek: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the command layer says back.

    ``text`` is the bot's own words (confirmations, errors, lists) and is safe to send
    as is, except that it may contain URLs and feed titles a user supplied: adapters
    should still disable mentions. ``cards`` carry article content (see ``Card``).
    Errors and settings replies are ``ephemeral`` (only the invoking user sees them).
    """

    text: str = ""
    cards: tuple[Card, ...] = ()
    ephemeral: bool = False
    error: bool = False


@runtime_checkable
class CommandService(Protocol):
    """What adapters call. The implementation is ``bot.core.service.BriefbotService``."""

    async def handle(self, inv: Invocation) -> Reply:
        """Run one command; never raises for bad input (the Reply says what was wrong)."""
        ...

    async def speaker_choices(self, url: str, prefix: str, channel: ChannelRef | None = None) -> list[str]:
        """Autocomplete for ``/quotes speaker``: speakers of the cached brief of ``url``, or
        without one, of the channel's quote archive."""
        ...


@dataclass(frozen=True)
class DeliveryKey:
    """The idempotency key of one message of one scheduled digest.

    ``token`` is the same for every attempt at that message (at most 25 characters, as
    Discord's ``nonce`` allows), so a platform can recognise a resend. ``maybe_sent`` is
    set on the first message of an attempt that follows an interrupted one: it may have
    reached the channel already, and a platform without server-side deduplication
    (Slack) looks before sending it again.
    """

    digest: str
    index: int
    maybe_sent: bool = False

    @property
    def token(self) -> str:
        return f"{self.digest}.{self.index}"


#: One platform message, as JSON-able data: stored with the digest so a resume sends the same messages.
Payload = dict[str, Any]


@runtime_checkable
class Deliverer(Protocol):
    """Posts scheduled digests; each platform adapter provides one for its platform.

    A digest is prepared once (rendered to the platform's messages, which are stored),
    then sent message by message, so a restart can resume from the first unsent one.
    """

    platform: str

    async def prepare(self, reply: Reply) -> list[Payload]:
        """The platform messages for ``reply``, in order, as JSON-able objects."""
        ...

    async def send(self, channel: ChannelRef, message: Payload, key: DeliveryKey) -> None:
        """Post one prepared message; raise on failure. A resend with the same ``key`` must not
        post it twice (Discord: ``nonce`` + ``enforce_nonce``; Slack: message metadata)."""
        ...

    async def deliver(self, channel: ChannelRef, reply: Reply, key: str | None = None) -> None:
        """Post a one-off reply (a notice, not a digest): prepare and send it at once."""
        ...


class OneOffDelivery:
    """``deliver`` for deliverers that have ``prepare`` and ``send`` (mixed into each one)."""

    async def deliver(self, channel: ChannelRef, reply: Reply, key: str | None = None) -> None:
        stem = key or "bb" + hashlib.sha256(repr((channel.key, reply)).encode()).hexdigest()[:14]
        for index, message in enumerate(await self.prepare(reply)):  # type: ignore[attr-defined]
            await self.send(channel, message, DeliveryKey(stem, index))  # type: ignore[attr-defined]


@runtime_checkable
class Platform(Protocol):
    """A running platform adapter, as returned by ``bot.platforms.<name>.start``.

    The runner calls ``async def start(settings, service) -> Platform`` for each
    configured platform (``settings`` is ``bot.settings.Settings``, ``service`` a
    ``CommandService``) and registers ``platform.deliverer`` with the scheduler, once.
    """

    deliverer: Deliverer

    async def close(self) -> None:
        """Stop taking commands and disconnect; bounded in time."""
        ...

    def is_ready(self) -> bool:
        """Connected and able to take commands (used by health checks)."""
        ...


# --- Command catalogue: one source of truth for slash-command registration ---------------


@dataclass(frozen=True)
class OptionSpec:
    """One option of a slash command, enough to register it on any platform."""

    name: str
    description: str
    type: str = "string"  # "string" | "integer"
    required: bool = False
    min_value: int | None = None
    max_value: int | None = None
    autocomplete: bool = False
    choices: tuple[str, ...] = ()
    #: False: only by name where commands are typed as text (Slack: ``stories:5``), so an
    #: option added later does not shift what the words typed in order mean.
    positional: bool = True


@dataclass(frozen=True)
class CommandSpec:
    """One command. Sub-commands are flat names with a space: ``"feeds add"``."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    manage: bool = False  # needs ``Invocation.can_manage``
    #: The answer is private to the invoker (settings, lists, help). Platforms that must
    #: choose before the command runs (Discord's deferral) read it here.
    ephemeral: bool = False

    @property
    def group(self) -> str:
        """Top-level slash command (``feeds`` for ``feeds add``)."""
        return self.name.split(" ", 1)[0]

    @property
    def subcommand(self) -> str | None:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) == 2 else None


_URL = OptionSpec("url", "Article or page URL", required=True)
_FEED_URL = OptionSpec("url", "RSS or Atom feed URL", required=True)

COMMAND_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "brief",
        "Summarize an article and say who said what",
        (_URL, OptionSpec("sentences", "Summary length in sentences (1-10)", "integer", min_value=1, max_value=10)),
    ),
    CommandSpec(
        "quotes",
        "Who said what in an article, or search this channel's quotes",
        (
            OptionSpec("url", "Article or page URL (leave out to search this channel's quotes)"),
            OptionSpec("speaker", "Only this speaker", autocomplete=True),
            OptionSpec("text", "Words the quote contains (searches this channel's quotes)", positional=False),
            OptionSpec("days", "Only the last N days (1-30)", "integer", min_value=1, max_value=30, positional=False),
        ),
    ),
    CommandSpec("digest", "This channel's digest now, from its feeds"),
    CommandSpec("feeds add", "Follow a feed in this channel", (_FEED_URL,), manage=True, ephemeral=True),
    CommandSpec("feeds remove", "Stop following a feed in this channel", (_FEED_URL,), manage=True, ephemeral=True),
    CommandSpec("feeds list", "The feeds this channel follows", ephemeral=True),
    CommandSpec(
        "schedule set",
        "Post the digest daily at a local time",
        (
            OptionSpec("time", "Local time, HH:MM (24h)", required=True),
            OptionSpec("timezone", "IANA time zone, e.g. Europe/Berlin", required=True),
            OptionSpec("days", "Days: daily, mon-fri, sat,sun ... (default daily)"),
            OptionSpec(
                "stories",
                "Stories shown in full (1-25, default 15); the rest as headlines",
                "integer",
                min_value=1,
                max_value=25,
                positional=False,
            ),
            OptionSpec(
                "sentences",
                "Summary sentences per story (1-5, default 2)",
                "integer",
                min_value=1,
                max_value=5,
                positional=False,
            ),
        ),
        manage=True,
        ephemeral=True,
    ),
    CommandSpec("schedule off", "Stop the daily digest", manage=True, ephemeral=True),
    CommandSpec("schedule show", "When the digest is posted", ephemeral=True),
    CommandSpec("help", "What Briefbot can do", ephemeral=True),
)

COMMAND_NAMES: tuple[str, ...] = tuple(spec.name for spec in COMMAND_SPECS)


def command_spec(name: str) -> CommandSpec | None:
    return next((s for s in COMMAND_SPECS if s.name == name), None)


#: How each platform spells a catalogue command. Slack gives the app one ``/briefbot``
#: command that takes any command as its first words (the others are optional in the
#: manifest, and another app may own them); Discord and the terminal have one slash
#: command per group.
_SLASH_PREFIX = {"slack": "/briefbot "}


def command_syntax(platform: str, name: str) -> str:
    """How a user types command ``name`` on ``platform``: ``/feeds add`` or ``/briefbot feeds add``."""
    return f"{_SLASH_PREFIX.get(platform, '/')}{name}"


def help_command(platform: str) -> str:
    return command_syntax(platform, "help")
