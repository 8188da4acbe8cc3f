-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('QUEUED', 'VALIDATING', 'IMPORTING', 'SUCCEEDED', 'FAILED');

-- AlterEnum
ALTER TYPE "ModelKind" ADD VALUE 'EXTERNAL';

-- AlterTable
ALTER TABLE "studies" ADD COLUMN     "deid_salt" TEXT NOT NULL DEFAULT gen_random_uuid()::text;

-- AlterTable
ALTER TABLE "cases" ADD COLUMN     "content_hash" TEXT,
ADD COLUMN     "deidentification" JSONB,
ADD COLUMN     "held_reason" TEXT,
ADD COLUMN     "image16_path" TEXT,
ADD COLUMN     "image_info" JSONB,
ADD COLUMN     "import_id" TEXT,
ADD COLUMN     "original_path" TEXT,
ADD COLUMN     "thumb_path" TEXT;

-- CreateTable
CREATE TABLE "import_jobs" (
    "id" TEXT NOT NULL,
    "study_id" TEXT NOT NULL,
    "created_by_id" TEXT,
    "status" "ImportStatus" NOT NULL DEFAULT 'QUEUED',
    "origin" TEXT NOT NULL,
    "source_name" TEXT NOT NULL,
    "skip_invalid" BOOLEAN NOT NULL DEFAULT false,
    "keep_originals" BOOLEAN NOT NULL DEFAULT false,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "imported" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "held" INTEGER NOT NULL DEFAULT 0,
    "problems" JSONB NOT NULL DEFAULT '[]',
    "skipped_rows" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "import_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "import_jobs_study_id_created_at_idx" ON "import_jobs"("study_id", "created_at");

-- AddForeignKey
ALTER TABLE "cases" ADD CONSTRAINT "cases_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "import_jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_jobs" ADD CONSTRAINT "import_jobs_study_id_fkey" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_jobs" ADD CONSTRAINT "import_jobs_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

