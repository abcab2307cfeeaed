DROP INDEX IF EXISTS "products_active_stock_idx";--> statement-breakpoint
ALTER TABLE "products" SET (fillfactor = 90);
