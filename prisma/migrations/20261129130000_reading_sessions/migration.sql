-- AlterTable
ALTER TABLE "reading_items" ADD COLUMN     "session" INTEGER NOT NULL DEFAULT 1;

