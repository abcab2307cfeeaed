/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_SHOP_API?: string;
  readonly VITE_RAZORPAY_FAKE_URL?: string;
  readonly VITE_SHOP_NAME?: string;
}
