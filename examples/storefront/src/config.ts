// Where the storefront finds the API and how it takes payments. Build-time settings
// (VITE_SHOP_API, VITE_RAZORPAY_FAKE_URL) can be overridden at run time by a /config.json
// next to index.html, so that one build serves any API (see the README).

interface StoreConfig {
  /** The Shop API's base URL, without a trailing slash. */
  api: string;
  /** The local fake Razorpay's URL: shows "Pay (test gateway)" instead of Razorpay Checkout. */
  razorpayFakeUrl: string | null;
  /** The shop's name, shown in the header and in Razorpay Checkout. */
  shopName: string;
}

const trim = (url: string) => url.replace(/\/+$/, '');

const fromBuild: StoreConfig = {
  api: trim(import.meta.env.VITE_SHOP_API || 'http://localhost:3000'),
  razorpayFakeUrl: import.meta.env.VITE_RAZORPAY_FAKE_URL
    ? trim(import.meta.env.VITE_RAZORPAY_FAKE_URL)
    : null,
  shopName: import.meta.env.VITE_SHOP_NAME || 'Kadai',
};

let current: StoreConfig = fromBuild;

export function config(): StoreConfig {
  return current;
}

/** Reads /config.json when the host serves one (a missing or malformed file keeps the build's settings). */
export async function loadConfig(): Promise<void> {
  try {
    const res = await fetch('/config.json', { headers: { accept: 'application/json' } });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return;
    const raw = (await res.json()) as Partial<Record<keyof StoreConfig, unknown>>;
    current = {
      api: typeof raw.api === 'string' && raw.api ? trim(raw.api) : fromBuild.api,
      razorpayFakeUrl:
        typeof raw.razorpayFakeUrl === 'string'
          ? trim(raw.razorpayFakeUrl) || null
          : raw.razorpayFakeUrl === null
            ? null
            : fromBuild.razorpayFakeUrl,
      shopName:
        typeof raw.shopName === 'string' && raw.shopName ? raw.shopName : fromBuild.shopName,
    };
  } catch {
    /* no runtime config: the build's settings stand */
  }
}
