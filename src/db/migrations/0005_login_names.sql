CREATE TABLE "login_names" (
	"name" varchar(254) PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "login_names" ADD CONSTRAINT "login_names_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "login_names_user_idx" ON "login_names" USING btree ("user_id");--> statement-breakpoint
-- Keeps login_names in step with users: each account claims its lower-cased username and
-- email. A name that another account holds fails the statement with unique_violation and
-- constraint login_names_username or login_names_email (the field the service reports).
-- Names are claimed in sorted order, so that two registrations claiming each other's names
-- wait for one another instead of deadlocking; the loser of a race waits for the winner's
-- commit (ON CONFLICT waits on an uncommitted conflicting row) and then sees its row.
CREATE FUNCTION "users_claim_login_names"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  claim record;
  holder integer;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF lower(NEW.username) = lower(OLD.username) AND lower(NEW.email) = lower(OLD.email) THEN
      RETURN NULL;
    END IF;
    DELETE FROM login_names
      WHERE user_id = NEW.id AND name NOT IN (lower(NEW.username), lower(NEW.email));
  END IF;
  FOR claim IN
    SELECT DISTINCT ON (c.name) c.name, c.field
      FROM (VALUES (lower(NEW.username), 'username', 1), (lower(NEW.email), 'email', 2)) AS c(name, field, rank)
      ORDER BY c.name, c.rank
  LOOP
    INSERT INTO login_names (name, user_id) VALUES (claim.name, NEW.id) ON CONFLICT (name) DO NOTHING;
    IF NOT FOUND THEN
      SELECT user_id INTO holder FROM login_names WHERE name = claim.name;
      IF holder IS DISTINCT FROM NEW.id THEN
        RAISE EXCEPTION 'another account already logs in with this %', claim.field
          USING ERRCODE = 'unique_violation',
                CONSTRAINT = 'login_names_' || claim.field,
                TABLE = 'login_names',
                DETAIL = format('Key (name)=(%s) already exists.', claim.name);
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "users_login_names" AFTER INSERT OR UPDATE OF "username", "email" ON "users"
  FOR EACH ROW EXECUTE FUNCTION "users_claim_login_names"();
--> statement-breakpoint
-- Backfill. Usernames first: login resolves a string to the account whose username it is
-- before one whose email it is, so a legacy email equal to another account's username is
-- the one left unclaimed (its owner logs in by username, as before, and claims the email
-- again on changing it).
INSERT INTO "login_names" ("name", "user_id") SELECT lower("username"), "id" FROM "users" ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "login_names" ("name", "user_id") SELECT lower("email"), "id" FROM "users" ON CONFLICT DO NOTHING;
