/**
 * What each table holds and why, for docs/schema.md (written by scripts/docs-schema.ts).
 * Every table of src/db/schema must have an entry here and every entry must name a table
 * (and every index note an index) that exists: the generator fails otherwise, so a new
 * table cannot go undocumented. The order of the entries is the order of the document.
 */
export interface TableNotes {
  /** One or two sentences: what a row is, and the design decision behind the table. */
  about: string;
  /** Why an index exists, by index name, where its name does not say it. */
  indexes?: Record<string, string>;
}

export const SCHEMA_INTRO = `The tables of the shop API in PostgreSQL (and in the embedded PGlite, which runs the same
migrations), as declared with Drizzle in \`src/db/schema/\` and migrated by the SQL in
\`src/db/migrations/\`. Money is \`numeric(12,2)\` (totals \`numeric(16,2)\`), never a float;
ids are \`integer\` identities so that PGlite never hands back a BigInt. The background job
queue (pg-boss) keeps its own tables in the \`pgboss\` schema of the same database; they are
not part of this schema and are left out here.`;

export const SCHEMA_NOTES: Record<string, TableNotes> = {
  // accounts
  users: {
    about: `Accounts, customers and staff alike (\`is_staff\`); usernames and emails are unique
      whatever their case, and no username equals another account's email (\`login_names\`). \`token_version\` is carried by every access token and bumped on a
      password change, deactivation or "log out everywhere", which ends those tokens at once.`,
    indexes: {
      users_username_lower_uq: 'login finds a user by username or email, case-insensitively',
    },
  },
  login_names: {
    about: `Every string that logs in to an account, lower-cased: each user's username and email.
      Its primary key makes "one string names one account" (a username never equals another
      account's email) a rule of the database, races included. The trigger
      \`users_login_names\` on \`users\` keeps it in step with every insert and every change of
      a username or email, whoever writes; a name another account holds fails the write with
      \`unique_violation\` on \`login_names_username\` or \`login_names_email\`.`,
    indexes: {
      login_names_user_idx: "an email change releases the account's old names",
    },
  },
  addresses: {
    about: `A user's shipping and billing addresses. At most one of each type is the default,
      which a partial unique index enforces.`,
    indexes: {
      addresses_one_default_uq: 'at most one default address per user and type',
    },
  },
  refresh_tokens: {
    about: `One row per issued refresh token (its id is the JWT's \`jti\`). A login starts a
      family; each refresh revokes the presented token (\`replaced_by\` = its successor) and
      issues its successor in the same family, and presenting a rotated token again (reuse)
      revokes the whole family, unless it comes within \`REFRESH_REUSE_GRACE_SECONDS\` of its
      rotation while the successor is live. The successor's \`created_at\` is its pair's
      issue time, so that pair can be signed again. Every write takes the user's row lock.`,
    indexes: {
      refresh_tokens_family_idx: 'revoking a family; access tokens check that their family is live',
      refresh_tokens_expires_idx: 'the nightly housekeeping job deletes tokens expired over a day ago',
    },
  },
  password_reset_tokens: {
    about: `Password reset tokens, stored as their SHA-256 (the token itself is only in the
      e-mail): valid for an hour, used once (\`used_at\`, set by an atomic update). A new request
      deletes the user's older tokens; a password change or reset deletes them all.`,
    indexes: {
      password_reset_tokens_hash_uq: 'the confirmation finds its token by hash',
      password_reset_tokens_expires_idx: 'housekeeping deletes expired and used tokens',
    },
  },
  // catalog
  categories: {
    about: `The category tree (\`parent_id\`). Deleting a category deletes its subtree, which
      fails while any category of the subtree has products (products reference categories with
      RESTRICT).`,
  },
  products: {
    about: `The catalog. \`price\`, \`price_max\` and \`stock\` are kept from the product's active
      variants by a trigger (migration 0007); \`options\` lists the option names and values its
      variants choose from; \`image_thumb_key\` is the first image's thumbnail, so that a list
      needs no join. Partial indexes serve the public lists (active products only); the name's
      trigram index serves the typo-tolerant search; exact search terms read \`product_search\`.`,
    indexes: {
      products_active_created_idx: 'public list, newest first (a backward scan serves DESC)',
      products_featured_idx: 'featured products of the public list',
      products_name_trgm_idx: 'typo-tolerant search (`term <% name`)',
    },
  },
  product_search: {
    about: `What search reads (migration 0015): per product, whether it is active, when it was created,
      its name (for the ranking) and \`search_text\`, \`lower(name || ' ' || description)\`. Narrow on
      purpose: a common word matches products on nearly every page, and this table has half the
      products table's pages. Triggers on products keep it (insert; update of the columns it copies,
      so stock and price updates leave it alone); it is deleted with its product.`,
    indexes: {
      product_search_text_trgm_idx:
        "each search term as `search_text LIKE lower('%term%')` (= ILIKE over name and description)",
    },
  },
  product_variants: {
    about: `What is sold: 1..100 per product, each a combination of the product's option values
      (\`options\`, \`{}\` for the default variant) with its own SKU, price and stock. A trigger keeps
      the product's \`price\`, \`price_max\` and \`stock\` from its active variants; writers lock the
      product, then its variants in id order.`,
    indexes: {
      product_variants_sku_lower_uq: 'SKUs unique ignoring case; a one-word search probes it',
      product_variants_product_options_uq: 'one variant per combination of values within a product',
      product_variants_options_idx: '`?option=Name:Value` as `options @> {"Name": "Value"}` (GIN)',
    },
  },
  product_images: {
    about: `A product's pictures, in \`position\` order (0 first). The files live in the media storage
      under \`key\`, the SHA-256 of the uploaded bytes: the original without metadata and WebP
      sizes (thumb, medium, large), made once at upload. Two rows may share a key (the same file
      uploaded twice); files are removed when no row uses them any more.`,
    indexes: {
      product_images_product_idx: "a product's images in order",
      product_images_key_idx: 'whether another image still uses these files (before removing them)',
    },
  },
  catalog_state: {
    about: `A single row (id 1, inserted by a migration) whose \`version\` is bumped in the
      transaction of every change that can alter a product list's count (product writes,
      category moves, stock reaching or leaving zero). Cached list counts are tagged with the
      version, so no instance serves a count older than the last committed change.`,
  },
  // cart
  carts: {
    about: `A cart belongs either to a user (one cart per user) or to a guest, found by the
      SHA-256 of its opaque token; a check constraint allows exactly one of the two. A guest
      cart is merged into the user's at login, and idle guest carts are swept by a daily job.`,
    indexes: {
      carts_guest_updated_idx: 'the idle guest cart sweep (guest carts only)',
    },
  },
  cart_items: {
    about: `Lines of a cart: one per variant (with its product's id beside it), quantity 1 to 999.
      Prices are not stored here; the cart always shows the variant's current price.`,
    indexes: {
      cart_items_cart_variant_uq: 'one line per variant: adding it again updates the line (upsert)',
    },
  },
  // orders
  orders: {
    about: `An order placed from a cart: its number (\`ORD-\` and 12 hex digits), the order
      workflow \`status\` and the \`payment_status\`, the total and the shipping address as text
      (a snapshot, not a reference to \`addresses\`). Unpaid orders are cancelled by a job
      after \`payment_deadline\`. Users with orders cannot be deleted (RESTRICT).`,
    indexes: {
      orders_unpaid_deadline_idx: 'the expiry job: unpaid orders past their deadline',
    },
  },
  order_items: {
    about: `The lines of an order with a snapshot of the product's name, the variant's SKU, title,
      options and price at purchase, so an order never changes when the catalog does. A product
      or variant that was ever ordered cannot be deleted (RESTRICT); deactivate it instead.`,
  },
  order_status_history: {
    about: `Every status change of an order, including its creation: from and to status, who
      made it (the user's id while the user exists, and a label that stays: the username, or
      \`system\` for jobs and \`razorpay\` for payment events) and a note. Written in the transaction of the change.`,
  },
  // payments
  payments: {
    about: `Money received for an order. The checkout payment (provider \`razorpay\`) is one row
      per order: the row (the intent) is committed before Razorpay is called, so a concurrent or
      repeated initiate waits for it or reuses its Razorpay order instead of creating a second one
      (a failed call removes it); it then records the Razorpay order, payment and refund ids and
      the payment's status. A second capture for an order already paid is a row of its own
      (\`second_capture\`), refunded in full by the refund job. Staff marking an order paid by
      hand record a \`manual\` row with the method, their reference and who recorded it.
      \`refunded_amount\` is the sum of the payment's processed refunds.`,
    indexes: {
      payments_order_uq: 'one checkout payment per order; initiate claims it with `ON CONFLICT DO NOTHING`',
      payments_manual_order_uq: 'one manual payment per order',
      payments_razorpay_order_uq:
        'payment webhooks find (and lock) the checkout payment by Razorpay order id',
      payments_razorpay_payment_uq:
        'a Razorpay payment is recorded once; captures and refund webhooks find it by its id',
      payments_order_idx: "an order's payments (the admin's order page)",
    },
  },
  refunds: {
    about: `Refunds of a payment: Razorpay's as it reports them (the refund job's answer and the
      refund.processed / refund.failed webhooks), one row per Razorpay refund id, so a refund seen
      twice counts once; and staff refunds (\`POST /api/orders/{id}/refunds/\`, \`requested_by\` set),
      a row first (pending, no Razorpay id) written with the checks under the order's lock, then
      asked of Razorpay by the refund job with the row id in its notes (a manual payment's is
      processed at once). The payment's \`refunded_amount\` is the sum of the processed ones;
      pending and processed ones together never exceed the payment.`,
    indexes: {
      refunds_razorpay_refund_uq: 'one row per Razorpay refund (`ON CONFLICT`); several null (not asked yet, or manual)',
      refunds_payment_idx: "summing a payment's pending and processed refunds",
      refunds_pending_requested_idx: 'the refund sweep: staff refunds still pending',
    },
  },
  refund_items: {
    about: `The order lines a staff refund is for: units and their paid share (\`amount\`, part of
      the refund's amount). Units of pending and processed refunds never exceed the line's; a
      processed refund with \`restock\` put them back in stock (cancelling the order restores the rest).`,
    indexes: {
      refund_items_refund_item_uq: 'a line once per refund',
      refund_items_order_item_idx: "a line's refunded units (the limit check, the cancellation's restore)",
    },
  },
  webhook_events: {
    about: `Every accepted (signature-checked) Razorpay webhook delivery, stored once per event id:
      a replayed delivery hits the unique index and changes nothing. The event is stored and
      applied in one transaction; \`processed\` and \`error\` say what came of it.`,
    indexes: {
      webhook_events_event_id_uq: 'de-duplicates deliveries (`ON CONFLICT DO NOTHING`)',
      webhook_events_received_idx: 'the admin list (newest first), and housekeeping deletes events older than 90 days',
    },
  },
  idempotency_keys: {
    about: `Idempotency-Key records per user and scope (\`orders.create\`, \`payments.initiate\`):
      the first request claims the key in the transaction of its work, later ones with the same
      key replay the stored response, or get 409 when their body (\`request_hash\`) differs.
      A key older than 24 hours is reused as new, and the nightly housekeeping job deletes it.`,
    indexes: {
      idempotency_keys_created_idx: 'housekeeping: deleting keys older than 24 hours',
    },
  },
  // analytics
  order_counters: {
    about: `Running totals that the dashboard reads instead of scanning the orders: orders per
      \`status:<status>\` and paid orders with their revenue (\`paid\`). The orders module keeps
      them in the transaction of each change, spread over 16 shards (a random one per
      transaction) so concurrent checkouts do not queue on one hot row; readers sum the shards.`,
  },
  sales_buckets: {
    about: `Paid orders and revenue per 15 minutes of order time (every real time zone's offset
      is a multiple of 15 minutes, so the sales report can group them into days of any zone),
      over 4 shards, kept in the transaction of each payment change.`,
  },
  product_sales: {
    about: `Units sold and revenue per product over paid orders, for the top sellers, kept in the
      transaction of each payment change. \`npm run cli -- stats:rebuild\` recomputes all three
      analytics tables from the orders.`,
    indexes: {
      product_sales_top_idx: 'the top sellers, in the order the dashboard lists them',
    },
  },
  // events and notifications
  events: {
    about: `What happened in the shop (\`order.placed\`, \`customer.created\`, …), written by
      \`recordEvent\` in the transaction of the change together with its \`event-dispatch\` job,
      so it exists exactly when the change commits. The uuid is the event's stable id for
      e-mails and webhooks; \`data\` holds ids, and consumers load what they need.`,
    indexes: {
      events_type_created_idx: 'events of one type in time order (webhook replays, audits)',
    },
  },
  emails: {
    about: `Every outgoing e-mail, rendered when queued (subject, HTML and text as sent) in the
      transaction that causes it, with its \`email-send\` job. \`status\` is \`queued\` (waiting or
      retrying, \`last_error\` says why), \`sent\` or \`failed\` after the last attempt. The unique
      index sends a message at most once per event, template and recipient.`,
    indexes: {
      emails_event_template_to_uq: 'at most one message per event, template and recipient (`ON CONFLICT DO NOTHING`)',
      emails_status_idx: 'messages by status (what is failing or waiting)',
    },
  },
  // checkout money (pricing module)
  tax_classes: {
    about: `GST rates products are sold under (\`rate\` a percentage, 2 decimals). Exactly one is the
      default (migration 0010 installs \`GST 18%\`): a product without a class, or a variant without
      one and whose product has none, is taxed at it.`,
    indexes: {
      tax_classes_name_lower_uq: 'names are unique ignoring case',
      tax_classes_one_default_uq: 'at most one default class',
    },
  },
  promotions: {
    about: `Discount codes (unique ignoring case): \`percentage\`, \`fixed_amount\` or \`free_shipping\`,
      within \`starts_at\`..\`ends_at\`, for every line or those of \`applies_product_ids\` /
      \`applies_category_ids\` (with descendants). \`times_used\` counts the orders holding a use: a
      checkout takes one with a conditional UPDATE under the row lock (\`times_used < usage_limit\`),
      a cancellation or expiry gives it back.`,
    indexes: {
      promotions_code_lower_uq: 'a code is found (and unique) ignoring case',
    },
  },
  promotion_customer_uses: {
    about: `Uses of a promotion per customer, for \`per_customer_limit\`: a checkout upserts
      \`uses + 1\` only while below the limit (the upsert sees the newest row under its lock);
      written only while the promotion's row is locked.`,
  },
  shipping_methods: {
    about: `Ways to ship: \`flat\` (\`price\`) or by \`weight\` (\`rates\`: bands \`{up_to_grams,
      price}\` ascending; a cart heavier than the last cannot ship), free when the subtotal after
      discount is at least \`free_over\`, to the ISO alpha-2 \`countries\`. Orders keep the name.`,
  },
  // outgoing webhooks
  webhook_endpoints: {
    about: `Receivers of outgoing webhooks: events of the listed \`event_types\` are POSTed to \`url\`
      and signed with \`secret\` (Standard Webhooks; the API shows it once, at creation).
      \`failing_since\` is the first failed attempt since the last success; \`410\` or 3 days of
      failures switch the endpoint off (\`is_active\`, \`disabled_reason\`).`,
    indexes: {
      webhook_endpoints_event_types_idx: 'the endpoints subscribed to an event type (`event_types @> array[type]`)',
    },
  },
  webhook_deliveries: {
    about: `One row per attempt to deliver one event to one endpoint. The first attempt's row is
      written when the event is dispatched, with its \`webhook-deliver\` job; a failed automatic
      attempt (\`step\` 0–9) writes the next one with a delayed job, and a staff retry adds one
      with \`step\` null. Every attempt sends the same \`body\` under the event id as \`webhook-id\`.`,
    indexes: {
      webhook_deliveries_first_uq: 'an event reaches an endpoint once however often it is dispatched (`ON CONFLICT DO NOTHING`)',
      webhook_deliveries_endpoint_idx: "an endpoint's attempts, newest first (the admin list)",
      webhook_deliveries_event_idx: "numbering an event's next attempt",
      webhook_deliveries_created_idx: 'housekeeping deletes finished attempts older than 30 days',
    },
  },
};
