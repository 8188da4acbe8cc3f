-- CreateTable
CREATE TABLE "rating_requests" (
    "item_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rating_requests_pkey" PRIMARY KEY ("item_id","key")
);

-- AddForeignKey
ALTER TABLE "rating_requests" ADD CONSTRAINT "rating_requests_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "reading_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

