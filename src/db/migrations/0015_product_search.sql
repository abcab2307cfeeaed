-- Search reads a narrow table of its own (issue 17): the columns a search needs (whether
-- the product is active, when it was created, its lower-cased name for the ranking, and the
-- lower-cased name and description it matches): about 2,000 pages at 100,000 products
-- instead of the products table's 4,300, and the ranking a LIKE on a lower-cased name
-- instead of an ILIKE (which lower-cases the name of every match on every search).
CREATE TABLE "product_search" (
	"product_id" integer PRIMARY KEY NOT NULL REFERENCES "products"("id") ON DELETE CASCADE,
	"is_active" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"name_lower" text NOT NULL,
	"search_text" text NOT NULL
);--> statement-breakpoint
INSERT INTO "product_search" ("product_id", "is_active", "created_at", "name_lower", "search_text")
SELECT "id", "is_active", "created_at", lower("name"), "search_text" FROM "products";--> statement-breakpoint
CREATE INDEX "product_search_text_trgm_idx" ON "product_search" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
DROP INDEX "products_search_text_trgm_idx";--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "search_text";--> statement-breakpoint
-- Kept by the products table's own triggers: a new product gets its row; an update rewrites
-- it only when a column it copies changed (stock and price updates, the checkout's, do not).
CREATE FUNCTION "product_search_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_search (product_id, is_active, created_at, name_lower, search_text)
  VALUES (NEW.id, NEW.is_active, NEW.created_at, lower(NEW.name), lower(NEW.name::text || ' ' || NEW.description))
  ON CONFLICT (product_id) DO UPDATE SET
    is_active = excluded.is_active, created_at = excluded.created_at,
    name_lower = excluded.name_lower, search_text = excluded.search_text;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "products_search_insert" AFTER INSERT ON "products"
FOR EACH ROW EXECUTE FUNCTION "product_search_sync"();--> statement-breakpoint
CREATE TRIGGER "products_search_update" AFTER UPDATE OF "name", "description", "is_active", "created_at" ON "products"
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description
  OR OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.created_at IS DISTINCT FROM NEW.created_at)
EXECUTE FUNCTION "product_search_sync"();--> statement-breakpoint
ANALYZE "product_search";
