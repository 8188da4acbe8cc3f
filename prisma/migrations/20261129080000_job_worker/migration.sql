-- AlterTable
ALTER TABLE "generation_jobs" ADD COLUMN     "worker" TEXT;

