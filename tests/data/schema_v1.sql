-- zcwatch schema version 1 (frozen): used to test migrations of old databases.
CREATE TABLE meta (
	"key" VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE sources (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	url TEXT NOT NULL, 
	etag TEXT, 
	last_modified TEXT, 
	listing_hash VARCHAR(64), 
	last_item_count INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE crawl_runs (
	id INTEGER NOT NULL, 
	source_id INTEGER NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	outcome VARCHAR(16) NOT NULL, 
	"full" BOOLEAN NOT NULL, 
	requests INTEGER NOT NULL, 
	bytes INTEGER NOT NULL, 
	items_seen INTEGER NOT NULL, 
	notices_new INTEGER NOT NULL, 
	notices_changed INTEGER NOT NULL, 
	notices_failed INTEGER NOT NULL, 
	error TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_crawl_outcome CHECK (outcome IN ('running', 'ok', 'partial', 'http_error', 'timeout', 'unreachable', 'blocked', 'layout_suspect', 'too_large', 'error')), 
	FOREIGN KEY(source_id) REFERENCES sources (id)
);

CREATE INDEX ix_crawl_runs_source_id ON crawl_runs (source_id);

CREATE TABLE notices (
	id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	source_id INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	listing_date VARCHAR(10), 
	published VARCHAR(16), 
	site TEXT, 
	host TEXT NOT NULL, 
	committee TEXT, 
	review_year INTEGER, 
	body TEXT, 
	content_hash VARCHAR(64), 
	attachments JSON NOT NULL, 
	template VARCHAR(20), 
	encoding VARCHAR(20), 
	fetch_status VARCHAR(10) NOT NULL, 
	fetch_error TEXT, 
	etag TEXT, 
	last_modified TEXT, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	changed_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_notice_fetch_status CHECK (fetch_status IN ('pending', 'fetched', 'external', 'failed')), 
	UNIQUE (url), 
	FOREIGN KEY(source_id) REFERENCES sources (id)
);

CREATE TABLE notice_versions (
	id INTEGER NOT NULL, 
	notice_id INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	body TEXT, 
	content_hash VARCHAR(64), 
	replaced_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(notice_id) REFERENCES notices (id)
);

CREATE INDEX ix_notice_versions_notice_id ON notice_versions (notice_id);

CREATE TABLE windows (
	id INTEGER NOT NULL, 
	"key" VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	notice_id INTEGER, 
	committee TEXT NOT NULL, 
	review_year INTEGER, 
	kind VARCHAR(12) NOT NULL, 
	start VARCHAR(16), 
	"end" VARCHAR(16), 
	evidence TEXT NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	created_at DATETIME NOT NULL, 
	superseded_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_window_key_version UNIQUE ("key", version), 
	CONSTRAINT ck_window_kind CHECK (kind IN ('apply', 'accept', 'unit_review', 'paper', 'fee', 'review', 'other')), 
	CONSTRAINT ck_window_status CHECK (status IN ('current', 'superseded', 'estimate')), 
	CONSTRAINT ck_window_order CHECK (start IS NULL OR "end" IS NULL OR start <= "end"), 
	CONSTRAINT ck_window_has_date CHECK (start IS NOT NULL OR "end" IS NOT NULL), 
	FOREIGN KEY(notice_id) REFERENCES notices (id)
);

CREATE INDEX ix_windows_notice_id ON windows (notice_id);

CREATE INDEX ix_windows_key ON windows ("key");

CREATE INDEX ix_windows_status_kind ON windows (status, kind);

CREATE TABLE deliveries (
	id INTEGER NOT NULL, 
	subscriber TEXT NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	channel_label TEXT NOT NULL, 
	window_id INTEGER NOT NULL, 
	window_key VARCHAR(64) NOT NULL, 
	window_version INTEGER NOT NULL, 
	alert_kind VARCHAR(16) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	attempts INTEGER NOT NULL, 
	due_at DATETIME NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_at DATETIME, 
	sent_at DATETIME, 
	last_error TEXT, 
	duplicates INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_delivery UNIQUE (subscriber, channel, window_key, window_version, alert_kind), 
	CONSTRAINT ck_delivery_kind CHECK (alert_kind IN ('month_ahead', 'announced', 'estimate', 'opens', 'closing_soon', 'changed')), 
	CONSTRAINT ck_delivery_status CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead', 'skipped')), 
	FOREIGN KEY(window_id) REFERENCES windows (id)
);

CREATE INDEX ix_deliveries_window_id ON deliveries (window_id);

CREATE INDEX ix_deliveries_status_next ON deliveries (status, next_attempt_at);

PRAGMA user_version = 1;
