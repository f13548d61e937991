-- What the working-day calendar said about each year, in the order it changed: a worker that
-- starts with another fingerprint recounts that year's open deadlines (issue 16).
CREATE TABLE "calendar_years" (
	"year" integer NOT NULL,
	"seq" integer NOT NULL,
	"source" text NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_years_year_seq_pk" PRIMARY KEY("year","seq")
);
