-- CreateEnum
CREATE TYPE "StudyKind" AS ENUM ('READER_STUDY', 'AUDIT');

-- CreateEnum
CREATE TYPE "AlertDelivery" AS ENUM ('PENDING', 'DELIVERED', 'FAILED', 'NONE');

-- AlterTable
ALTER TABLE "studies" ADD COLUMN     "kind" "StudyKind" NOT NULL DEFAULT 'READER_STUDY';

-- CreateTable
CREATE TABLE "audit_programs" (
    "id" TEXT NOT NULL,
    "study_id" TEXT NOT NULL,
    "model_name" TEXT NOT NULL,
    "model_id" TEXT,
    "policy" JSONB NOT NULL,
    "webhook_secret" TEXT,
    "evaluated_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_programs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_cases" (
    "id" TEXT NOT NULL,
    "program_id" TEXT NOT NULL,
    "case_id" TEXT NOT NULL,
    "accession" TEXT NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL,
    "flagged" BOOLEAN NOT NULL DEFAULT false,
    "stratum" TEXT,
    "sampled" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "draw" DOUBLE PRECISION NOT NULL,
    "rate" DOUBLE PRECISION NOT NULL,
    "due_at" TIMESTAMP(3),
    "queued_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_alerts" (
    "id" TEXT NOT NULL,
    "program_id" TEXT NOT NULL,
    "period_start" TIMESTAMP(3) NOT NULL,
    "period_end" TIMESTAMP(3) NOT NULL,
    "details" JSONB NOT NULL,
    "fired_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivery" "AlertDelivery" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "last_error" TEXT,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "audit_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_programs_study_id_key" ON "audit_programs"("study_id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_cases_case_id_key" ON "audit_cases"("case_id");

-- CreateIndex
CREATE INDEX "audit_cases_program_id_received_at_idx" ON "audit_cases"("program_id", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_cases_program_id_accession_key" ON "audit_cases"("program_id", "accession");

-- CreateIndex
CREATE INDEX "audit_alerts_delivery_next_attempt_at_idx" ON "audit_alerts"("delivery", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_alerts_program_id_period_start_key" ON "audit_alerts"("program_id", "period_start");

-- AddForeignKey
ALTER TABLE "audit_programs" ADD CONSTRAINT "audit_programs_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_cases" ADD CONSTRAINT "audit_cases_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "audit_programs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_cases" ADD CONSTRAINT "audit_cases_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_alerts" ADD CONSTRAINT "audit_alerts_program_id_fkey" FOREIGN KEY ("program_id") REFERENCES "audit_programs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

