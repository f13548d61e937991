CREATE TABLE "centre_syncs" (
	"platform" text NOT NULL,
	"request_id" uuid NOT NULL,
	"synced_version" integer NOT NULL,
	"external_id" text,
	"tasks" jsonb NOT NULL,
	"open" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "centre_syncs_platform_request_id_pk" PRIMARY KEY("platform","request_id")
);
--> statement-breakpoint
CREATE INDEX "centre_syncs_open" ON "centre_syncs" USING btree ("platform","open");