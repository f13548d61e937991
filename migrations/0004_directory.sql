CREATE TABLE "directory_departments" (
	"platform" text NOT NULL,
	"dept_id" text NOT NULL,
	"parent_id" text,
	"name" text NOT NULL,
	"leader_ids" text[] NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "directory_departments_platform_dept_id_pk" PRIMARY KEY("platform","dept_id")
);
--> statement-breakpoint
CREATE TABLE "directory_issues" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"platform" text,
	"user_id" text,
	"person_id" text,
	"detail" jsonb NOT NULL,
	"found_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directory_reads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text NOT NULL,
	"users" integer DEFAULT 0 NOT NULL,
	"departments" integer DEFAULT 0 NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "directory_users" (
	"platform" text NOT NULL,
	"user_id" text NOT NULL,
	"person_id" text NOT NULL,
	"settled" boolean DEFAULT true NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"title" text,
	"department_ids" text[] NOT NULL,
	"primary_department_id" text,
	"manager_id" text,
	"employee_no" text,
	"mobile" text,
	"email" text,
	"alt_ids" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "directory_users_platform_user_id_pk" PRIMARY KEY("platform","user_id")
);
--> statement-breakpoint
CREATE INDEX "directory_reads_platform" ON "directory_reads" USING btree ("platform","id");--> statement-breakpoint
CREATE INDEX "directory_users_person" ON "directory_users" USING btree ("person_id");