-- Delegations (委托, issue 15 item 7): who acts for whom, when; and who decided for an approver.
CREATE TABLE "delegations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"principal" text NOT NULL,
	"delegate" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"mode" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cancelled_at" timestamp with time zone,
	"announced_at" timestamp with time zone,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "delegate_id" text;--> statement-breakpoint
CREATE INDEX "delegations_principal" ON "delegations" USING btree ("principal","ends_at");--> statement-breakpoint
CREATE INDEX "delegations_delegate" ON "delegations" USING btree ("delegate","ends_at");