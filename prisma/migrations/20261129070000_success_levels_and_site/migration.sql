-- AlterTable
ALTER TABLE "studies" ADD COLUMN     "stringent_levels" "RatingLevel"[] DEFAULT ARRAY['A']::"RatingLevel"[],
ADD COLUMN     "success_levels" "RatingLevel"[] DEFAULT ARRAY['A', 'B']::"RatingLevel"[];

-- AlterTable
ALTER TABLE "cases" ADD COLUMN     "site" TEXT;

