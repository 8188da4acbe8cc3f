-- AlterTable
ALTER TABLE "studies" ADD COLUMN     "design" JSONB NOT NULL DEFAULT '{}';

