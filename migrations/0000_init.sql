CREATE TABLE "approval_steps" (
	"request_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"position" integer NOT NULL,
	"step_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"mode" text NOT NULL,
	"approvers" jsonb NOT NULL,
	"status" text NOT NULL,
	"due" text,
	"due_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"note" text,
	CONSTRAINT "approval_steps_request_id_round_step_id_pk" PRIMARY KEY("request_id","round","step_id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" uuid,
	"actor_id" text,
	"platform" text,
	"action" text NOT NULL,
	"step_id" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "card_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"card_kind" text NOT NULL,
	"platform" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"person_id" text,
	"room_id" text,
	"message_id" text,
	"track_id" text,
	"response_code" text,
	"response_code_at" timestamp with time zone,
	"rendered_version" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'sent' NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"value" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"step_id" text NOT NULL,
	"person_id" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"platform" text NOT NULL,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "departments" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_id" text,
	"lead_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "digests_sent" (
	"manager_id" text NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "digests_sent_manager_id_day_pk" PRIMARY KEY("manager_id","day")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" uuid,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedupe_key" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"relayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"dept_id" text NOT NULL,
	"title" text,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "person_identities" (
	"platform" text NOT NULL,
	"external_id" text NOT NULL,
	"person_id" text NOT NULL,
	CONSTRAINT "person_identities_platform_external_id_pk" PRIMARY KEY("platform","external_id")
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"key" text PRIMARY KEY NOT NULL,
	"request_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"applicant_id" text NOT NULL,
	"dept_id" text NOT NULL,
	"status" text NOT NULL,
	"payload" jsonb NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"current_step" integer,
	"version" integer DEFAULT 0 NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"parent_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "room_bindings" (
	"room_id" text NOT NULL,
	"platform" text NOT NULL,
	"external_id" text NOT NULL,
	CONSTRAINT "room_bindings_platform_external_id_pk" PRIMARY KEY("platform","external_id")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sim_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conversation" text NOT NULL,
	"sender" text NOT NULL,
	"kind" text NOT NULL,
	"text" text,
	"card" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" uuid,
	"kind" text NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "approval_steps_active" ON "approval_steps" USING btree ("status") WHERE "approval_steps"."status" = 'active';--> statement-breakpoint
CREATE INDEX "audit_log_request" ON "audit_log" USING btree ("request_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "card_messages_target" ON "card_messages" USING btree ("request_id","card_kind","platform","target_type","target_id");--> statement-breakpoint
CREATE INDEX "card_messages_message" ON "card_messages" USING btree ("platform","message_id");--> statement-breakpoint
CREATE INDEX "card_messages_track" ON "card_messages" USING btree ("platform","track_id");--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_once" ON "decisions" USING btree ("request_id","round","step_id","person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_idempotency" ON "decisions" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_pending" ON "outbox" USING btree ("id") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "person_identities_person" ON "person_identities" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_number" ON "requests" USING btree ("number");--> statement-breakpoint
CREATE INDEX "requests_applicant" ON "requests" USING btree ("applicant_id","created_at");--> statement-breakpoint
CREATE INDEX "requests_status" ON "requests" USING btree ("status");--> statement-breakpoint
CREATE INDEX "requests_dept" ON "requests" USING btree ("dept_id","status");--> statement-breakpoint
CREATE INDEX "requests_parent" ON "requests" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "room_bindings_room" ON "room_bindings" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "sim_messages_conversation" ON "sim_messages" USING btree ("conversation","id");--> statement-breakpoint
CREATE INDEX "timers_due" ON "timers" USING btree ("fire_at") WHERE "timers"."fired_at" IS NULL AND "timers"."cancelled_at" IS NULL;--> statement-breakpoint
CREATE INDEX "timers_request" ON "timers" USING btree ("request_id");