-- CreateEnum
CREATE TYPE "ModelKind" AS ENUM ('FINDINGS_CLASSIFIER', 'IMAGE_TO_TEXT');

-- AlterTable
ALTER TABLE "ai_models" ADD COLUMN     "kind" "ModelKind" NOT NULL DEFAULT 'FINDINGS_CLASSIFIER',
ADD COLUMN     "parameters" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "reports" ADD COLUMN     "parameters" JSONB;

