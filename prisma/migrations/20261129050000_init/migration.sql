-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'READER');

-- CreateEnum
CREATE TYPE "StudyStatus" AS ENUM ('DRAFT', 'OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "ReportSource" AS ENUM ('GROUND_TRUTH', 'AI');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "RatingLevel" AS ENUM ('A', 'B', 'C', 'D');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ai_models" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "is_demo" BOOLEAN NOT NULL DEFAULT false,
    "path" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ai_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "studies" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "StudyStatus" NOT NULL DEFAULT 'DRAFT',
    "seed" INTEGER NOT NULL,
    "open_when_ready" BOOLEAN NOT NULL DEFAULT false,
    "opened_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "studies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "study_models" (
    "study_id" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,

    CONSTRAINT "study_models_pkey" PRIMARY KEY ("study_id","model_id")
);

-- CreateTable
CREATE TABLE "cases" (
    "id" TEXT NOT NULL,
    "study_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "image_path" TEXT NOT NULL,
    "image_sha256" TEXT NOT NULL,
    "is_abnormal" BOOLEAN,
    "finding_tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reports" (
    "id" TEXT NOT NULL,
    "case_id" TEXT NOT NULL,
    "source" "ReportSource" NOT NULL,
    "model_id" TEXT,
    "text" TEXT NOT NULL,
    "provider" TEXT,
    "generation_ms" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generation_jobs" (
    "id" TEXT NOT NULL,
    "case_id" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "error_message" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "generation_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "study_readers" (
    "id" TEXT NOT NULL,
    "study_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "order_seed" INTEGER,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "study_readers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reading_items" (
    "id" TEXT NOT NULL,
    "study_id" TEXT NOT NULL,
    "study_reader_id" TEXT NOT NULL,
    "report_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "token" TEXT NOT NULL,

    CONSTRAINT "reading_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ratings" (
    "id" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,
    "level" "RatingLevel" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ratings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "ai_models_name_version_key" ON "ai_models"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "cases_study_id_external_id_key" ON "cases"("study_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "reports_case_id_model_id_key" ON "reports"("case_id", "model_id");

-- CreateIndex
CREATE UNIQUE INDEX "generation_jobs_case_id_model_id_key" ON "generation_jobs"("case_id", "model_id");

-- CreateIndex
CREATE UNIQUE INDEX "study_readers_token_key" ON "study_readers"("token");

-- CreateIndex
CREATE UNIQUE INDEX "study_readers_study_id_user_id_key" ON "study_readers"("study_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "reading_items_token_key" ON "reading_items"("token");

-- CreateIndex
CREATE UNIQUE INDEX "reading_items_study_reader_id_position_key" ON "reading_items"("study_reader_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "reading_items_study_reader_id_report_id_key" ON "reading_items"("study_reader_id", "report_id");

-- CreateIndex
CREATE UNIQUE INDEX "ratings_item_id_key" ON "ratings"("item_id");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "study_models" ADD CONSTRAINT "study_models_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "study_models" ADD CONSTRAINT "study_models_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "ai_models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cases" ADD CONSTRAINT "cases_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "ai_models"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "ai_models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "study_readers" ADD CONSTRAINT "study_readers_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "study_readers" ADD CONSTRAINT "study_readers_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reading_items" ADD CONSTRAINT "reading_items_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reading_items" ADD CONSTRAINT "reading_items_study_reader_id_fkey" FOREIGN KEY ("study_reader_id") REFERENCES "study_readers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reading_items" ADD CONSTRAINT "reading_items_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "reading_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- One ground-truth report per case. Prisma's @@unique([case_id, model_id]) does not cover
-- it, since PostgreSQL treats NULL model ids as distinct.
CREATE UNIQUE INDEX "reports_case_ground_truth_key" ON "reports"("case_id") WHERE "source" = 'GROUND_TRUTH';

-- A report's model id follows from its source.
ALTER TABLE "reports" ADD CONSTRAINT "reports_source_model_check"
  CHECK (("source" = 'GROUND_TRUTH' AND "model_id" IS NULL) OR ("source" = 'AI' AND "model_id" IS NOT NULL));
