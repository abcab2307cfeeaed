/**
 * Pricing: the money of a cart or an order (API-v2 §2). The totals are one pure function of
 * integer paise (totals.ts); the rules of promotions and shipping are pure too (rules.ts);
 * places.ts knows Indian states and country codes. The module owns the tax classes,
 * promotions and shipping methods.
 */
export { computeTotals, type DiscountInput, type LineInput } from './totals.js';
export { PROMOTION_MESSAGES, shippingPrice, type PromotionRejection, type ShippingMethodFacts } from './rules.js';
export { COUNTRY_MESSAGE, countryCode, INDIAN_PIN, INDIAN_STATES, indianStateCode } from '../../lib/places.js';
export { quote, type Quote } from './quote.js';
export {
  ACTIVE_METHODS_SQL,
  claimPromotion,
  lineTaxRateSql,
  promotionByCode,
  promotionById,
  promotionExists,
  releasePromotions,
  type PromotionRead,
} from './store.js';
export { pricingAdminRoutes } from './admin-routes.js';
export { shippingMethodRoutes } from './shipping-routes.js';
export { missingTaxClasses, TAX_CLASS_FOREIGN_KEYS } from './tax-class-refs.js';
