-- Delivery jobs that finished, and outbox rows that stay "relayed" until all their jobs did:
-- what lets a re-drive after Redis lost its queues send exactly what was not sent.
CREATE TABLE "deliveries_done" (
	"job_id" text PRIMARY KEY NOT NULL,
	"outbox_id" bigint,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "jobs" integer;--> statement-breakpoint
CREATE INDEX "deliveries_done_outbox" ON "deliveries_done" USING btree ("outbox_id");--> statement-breakpoint
CREATE INDEX "deliveries_done_at" ON "deliveries_done" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_relayed" ON "outbox" USING btree ("id") WHERE "outbox"."status" = 'relayed';--> statement-breakpoint
-- Rows relayed before deliveries were tracked count as delivered (what the relay assumed then),
-- so the first re-drive does not send them again.
UPDATE "outbox" SET "status" = 'delivered' WHERE "status" = 'relayed';
