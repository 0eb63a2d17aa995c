"""The tables. `ledger` is the tamper-evident record; `sources` and `reports` are read tables
(projections) that can be rebuilt from it and are checked against it by `verify`.

Migrations under `migrations/versions` create these; a test checks the two never drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from ceasefire.store.types import UtcDateTime

# On SQLite an INTEGER PRIMARY KEY is the rowid itself: no second index to keep up to date.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("source_id", String(128), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("organisation", String(256), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), nullable=False, unique=True),
)

reports = Table(
    "reports",
    metadata,
    # report_id is derived from (source_id, external_id), so its primary key is the identity.
    Column("report_id", String(24), primary_key=True),
    Column("source_id", String(128), ForeignKey("sources.source_id"), nullable=False),
    Column("external_id", String(256), nullable=False),
    Column("observed_start", UtcDateTime, nullable=False),
    Column("observed_end", UtcDateTime, nullable=False),
    Column("time_precision", String(8), nullable=False),
    Column("category", String(32), nullable=False),
    Column("lon", Double),
    Column("lat", Double),
    Column("uncertainty_m", Integer),
    Column("geo_precision", String(16)),
    Column("place", Text, nullable=False),
    Column("weapon_class", String(32)),
    Column("explosions", Integer, nullable=False),
    Column("projectiles", Integer, nullable=False),
    Column("bursts", Integer, nullable=False),
    Column("shots", Integer, nullable=False),
    Column("direction", String(16)),
    Column("bearing_deg", Double),
    Column("distance_min_m", Integer),
    Column("distance_max_m", Integer),
    Column("killed", Integer, nullable=False),
    Column("injured", Integer, nullable=False),
    Column("civilians_killed", Integer, nullable=False),
    Column("civilians_injured", Integer, nullable=False),
    Column("damaged_object", String(16)),
    Column("alleged_party", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("links", Text, nullable=False),  # JSON array
    Column("attachments", Text, nullable=False),  # JSON array of SHA-256 hex digests
    Column("fingerprint", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), nullable=False, unique=True),
    # The external id of the same source's report this one updates or corrects (0010).
    Column("updates", String(256)),
    Index(None, "observed_start"),
    Index(None, "category", "observed_start"),
    Index(None, "category", "observed_end"),  # grouping's neighbours (migration 0009)
)

agreements = Table(
    "agreements",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", Text, nullable=False),  # canonical JSON: the file and its geometries
    Column("document_sha256", String(64), nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), nullable=False, unique=True),
)

# Which agreement commands mean when none is named: the latest row (each choice a ledger entry).
agreement_choices = Table(
    "agreement_choices",
    metadata,
    Column(
        "ledger_seq", BigInteger, ForeignKey("ledger.seq"), primary_key=True, autoincrement=False
    ),
    Column("name", String(64), nullable=False),
    Column("chosen_by", String(128), nullable=False),
    Column("chosen_at", UtcDateTime, nullable=False),
)

# Derived from reports and agreements, recomputed at will: not in the ledger.
report_geography = Table(
    "report_geography",
    metadata,
    Column("report_id", String(24), ForeignKey("reports.report_id"), primary_key=True),
    Column("agreement", String(64), primary_key=True),
    Column("agreement_version", Integer, nullable=False),
    Column("party", String(16)),
    Column("distance_m", Double),
    Column("signed_distance_m", Double),
    Column("ambiguous_side", Boolean, nullable=False),
    Column("in_dmz", Boolean, nullable=False),
    Column("weapon_zones", Text, nullable=False),  # JSON array of weapon classes
    Column("weapon_zone_breach", Boolean, nullable=False),
    Column("sector", String(128)),
    Column("admin_area", String(128)),
    # Who holds the ground where the report places a weapon (a sighting, outgoing fire), when
    # it places one (0010): an impact says nothing about where the gun was.
    Column("weapon_party", String(16)),
    Index(None, "agreement", "sector"),
)


def _ledger_seq() -> Column[int]:
    return Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), nullable=False, unique=True)


plans = Table(
    "plans",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", Text, nullable=False),  # canonical JSON of the plan file as adopted
    Column("content_sha256", String(64), nullable=False),
    Column("adopted_at", UtcDateTime, nullable=False),
    _ledger_seq(),
)

# An open track moved to a newer plan version (tracks otherwise run under the version in force
# when they opened): a ledger entry, append-only.
plan_migrations = Table(
    "plan_migrations",
    metadata,
    Column("plan", String(64), nullable=False),
    Column("party", String(16), nullable=False),
    Column("t0", UtcDateTime, nullable=False),  # the episode moved, by its T0
    Column("from_version", Integer, nullable=False),
    Column("to_version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("migrated_by", String(64), nullable=False),
    Column("migrated_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), primary_key=True),
)

# A person's answer to a confirmation gate: enter the gated phase of this track episode, or not.
phase_answers = Table(
    "phase_answers",
    metadata,
    Column("plan", String(64), nullable=False),
    Column("party", String(16), nullable=False),
    Column("phase", Integer, nullable=False),
    Column("t0", UtcDateTime, nullable=False),  # the track episode, by its T0
    Column("confirmed", Boolean, nullable=False),
    Column("answered_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), primary_key=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(16), primary_key=True),
    Column("plan", String(64), nullable=False),
    Column("plan_version", Integer, nullable=False),
    Column("party", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("phase", Integer, nullable=False),
    Column("action", String(64), nullable=False),
    Column("effective_at", UtcDateTime, nullable=False),
    Column("known_at", UtcDateTime, nullable=False),  # when the system could know it
    Column("due_at", UtcDateTime),
    Column("revises", String(16), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON: the decision in full
    Column("recorded_at", UtcDateTime, nullable=False),  # when it was written
    _ledger_seq(),
    Index(None, "plan", "party"),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("decision_id", String(16), ForeignKey("decisions.decision_id"), primary_key=True),
    Column("actor", String(64), primary_key=True),
    Column("note", Text, nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=False),
    _ledger_seq(),
)

# Operational, not part of the record: when an open action was last brought to attention.
reminders = Table(
    "reminders",
    metadata,
    Column("decision_id", String(16), ForeignKey("decisions.decision_id"), primary_key=True),
    Column("actor", String(64), primary_key=True),  # each actor owes, and is reminded, alone
    Column("reminded_at", UtcDateTime, primary_key=True),
)

# Derived from the reports and the merge and split reviews in the log, kept up to date as they
# arrive; `verify` replays the log and compares. Not append-only: late reports regroup rows.
incident_members = Table(
    "incident_members",
    metadata,
    Column("report_id", String(24), ForeignKey("reports.report_id"), primary_key=True),
    Column("incident_no", BigInteger, nullable=False),
    Column("key_seq", BigInteger, nullable=False),  # its own ledger seq, or the split's
    Column("pinned", Boolean, nullable=False),
    # The first report of its automatic group (0010); NULL when pinned, and in a record
    # grouped before the first-report rule (until `ceasefire init` regroups it).
    Column("first_id", String(24)),
    # The ledger entry whose step last wrote the row (a batch's last report, a review, a
    # rebuild's head): what changed since a state is found by index, not by comparing. Not
    # derived from the log (live batches and a replay write rows at different steps).
    Column("changed_seq", BigInteger, nullable=False, server_default="0"),
    Index(None, "incident_no"),
    Index(None, "changed_seq"),
)

# Each `incidents rebuild` (migration 0012): the one change to the derived incident rows that
# adds no ledger entry, counted so that what a server keeps is known stale by one indexed read.
incident_rebuilds = Table(
    "incident_rebuilds",
    metadata,
    Column("rebuild_no", SeqType, primary_key=True, autoincrement=True),
    Column("at_seq", BigInteger, nullable=False),
    Column("rebuilt_at", UtcDateTime, nullable=False),
    Column("incidents", BigInteger, nullable=False),
)

# Derived like incident_members: the links that hold reports in one incident besides the
# grouping rule (an analyst's merge; a report that updates another, which may not be in the
# record yet). A split removes the links it cuts.
incident_links = Table(
    "incident_links",
    metadata,
    Column("report_id", String(24), primary_key=True),
    Column("other_id", String(24), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("seq", BigInteger, primary_key=True),  # the merge's entry, or the update's
    Index(None, "other_id"),
)

# Derived: the reports each review judged (its incident's reports when it was recorded), so a
# review stays with those events whatever later reports do to the groups.
review_reports = Table(
    "review_reports",
    metadata,
    Column("review_seq", BigInteger, primary_key=True),
    Column("report_id", String(24), primary_key=True),
    Index(None, "report_id"),
)

# Analysts' reviews and the parties' replies: each a ledger entry, never changed.
reviews = Table(
    "reviews",
    metadata,
    Column("ledger_seq", SeqType, ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
    Column("incident_no", BigInteger, nullable=False),  # as named when reviewed
    Column("action", String(16), nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON: the review in full
    Column("recorded_at", UtcDateTime, nullable=False),
    Index(None, "incident_no"),
)

# Commitments' facts (evidence, exchange lists and decisions, weapon declarations and
# inspections): each a ledger entry whose payload is `content`, never changed.
commitment_records = Table(
    "commitment_records",
    metadata,
    Column("ledger_seq", SeqType, ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
    Column("record_id", String(96), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),  # a commitment, a list, a holding area
    Column("content", Text, nullable=False),  # canonical JSON: the ledger entry's payload
    Column("recorded_at", UtcDateTime, nullable=False),
    Index(None, "kind", "subject"),
)

# What the free-text extractor read from a report's text: per field the value, the words it
# came from, the rule and the confidence, and the flags for the analyst. One per report read
# from prose, recorded in the same transaction as the report; a ledger entry like any fact.
report_extractions = Table(
    "report_extractions",
    metadata,
    Column("ledger_seq", SeqType, ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
    Column("report_id", String(24), ForeignKey("reports.report_id"), nullable=False, unique=True),
    Column("content", Text, nullable=False),  # canonical JSON: the ledger entry's payload
    Column("recorded_at", UtcDateTime, nullable=False),
)

# Persons on exchange lists: personal data, read only for analysts. The ledger holds a salted
# digest of each list, not the names, so the record everyone audits discloses no one while
# any change to these rows still breaks `verify`.
exchange_persons = Table(
    "exchange_persons",
    metadata,
    Column("list_id", String(16), primary_key=True),
    Column("row_no", Integer, primary_key=True),
    Column("salt", String(32), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON: the person as read
)

# The service's users and their API tokens: configuration, not part of the record. A token is
# stored only as the SHA-256 of its secret half (256 random bits: no dictionary to try).
users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("party", String(16)),  # a liaison's party, a guarantor's actor name
    Column("token_id", String(16), nullable=False, unique=True),
    Column("token_sha256", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

# Every API request: who, what, when, the outcome. Never the token, never a body.
audit = Table(
    "audit",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("user", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("detail", Text, nullable=False),
    Index(None, "user", "at"),
)

# Answers to POSTs that carried an Idempotency-Key, kept so a retry gets the same answer.
idempotency = Table(
    "idempotency",
    metadata,
    Column("user", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Who filed a report through the API (a monitor sees its own).
report_submitters = Table(
    "report_submitters",
    metadata,
    Column("report_id", String(24), ForeignKey("reports.report_id"), primary_key=True),
    Column("user", String(64), nullable=False),
    Index(None, "user"),
)

# Where notifications go: configuration. The secret signs webhook bodies (HMAC-SHA256).
notify_channels = Table(
    "notify_channels",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # webhook | email
    Column("target", Text, nullable=False),  # a URL, or an e-mail address
    Column("format", String(8), nullable=False),  # json | cap
    Column("events", String(64), nullable=False),  # comma-separated event kinds
    Column("secret", Text),
    Column("smtp", Text),  # smtp://host:port for e-mail
    # Comma-separated actors or parties this channel is for ('' : everything it subscribes
    # to): their tracks' phases, the actions addressed to them, their own reminders.
    Column("actors", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),
)

# The durable outbox: written in the same transaction as the decision it announces, so a
# crash between the decision and the send loses nothing; delivered at least once.
outbox = Table(
    "outbox",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("channel_id", BigInteger, ForeignKey("notify_channels.id"), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("decision_id", String(16), nullable=False),
    Column("actor", String(64)),  # a reminder's actor: its acknowledgement cancels it
    Column("subject", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("claimed_by", String(64)),
    Column("delivered_at", UtcDateTime),
    Column("cancelled_at", UtcDateTime),
    Column("last_error", Text, nullable=False),
    Index(None, "channel_id", "event_id", unique=True),
    Index(None, "delivered_at", "next_attempt_at"),
)

# The ledger as an RFC 9162 Merkle tree (`domain.transparency`): each tile is the hashes of 256
# consecutive nodes of one height (level 0: the entries' leaf hashes), so a proof reads a few
# rows. Derived from the ledger and checked against it by `verify`; kept up to date in the
# same transaction as every append.
log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

# The keys that sign the log's checkpoints, as adopted in the log (a ledger entry each: the
# first by `init`, each rotation after). The private key is never in the database.
log_keys = Table(
    "log_keys",
    metadata,
    Column("origin", String(128), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("vkey", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("adopted_by", String(64), nullable=False),
    Column("adopted_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), primary_key=True),
)

# Signed checkpoints (C2SP tlog-checkpoint notes): append-only, one per tree size. They need
# no ledger entry: each is self-authenticating, and `verify` checks every one against the
# tree recomputed from the ledger.
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", UtcDateTime, nullable=False),
)

# The witnesses that cosign checkpoints (each run by a party or a guarantor on its own machine,
# with its own key), as registered in the log: a ledger entry each.
log_witnesses = Table(
    "log_witnesses",
    metadata,
    Column("name", String(128), nullable=False, unique=True),
    Column("key_id", String(8), nullable=False),
    Column("vkey", Text, nullable=False),
    Column("party", String(64), nullable=False),  # who runs it: a party or a guarantor
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("ledger_seq", BigInteger, ForeignKey("ledger.seq"), primary_key=True),
)

# Witnesses' cosignatures (C2SP tlog-cosignature) of the signed checkpoints: append-only, one
# per witness and checkpoint; each checked by `verify` against its witness's key.
log_cosignatures = Table(
    "log_cosignatures",
    metadata,
    Column("size", BigInteger, ForeignKey("log_checkpoints.size"), primary_key=True),
    Column("witness", String(128), primary_key=True),
    Column("signed_time", BigInteger, nullable=False),  # the witness's own clock (POSIX)
    Column("line", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)
