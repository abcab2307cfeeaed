import type { Schemas } from '@shop/client';
import { ok, shop } from '../api';
import { useToast } from '../ui';
import { ProductImages } from './ProductImages';
import { combinations, comboKey, OptionsEditor } from './ProductOptions';
import { VariantsGrid } from './ProductVariants';

type ProductDetail = Schemas['ProductDetail'];
type ProductOption = Schemas['ProductOption'];

/** A saved product's images, options and variants, under its form. */
export function ProductExtras({ product, reload }: { product: ProductDetail; reload: () => void }) {
  const toast = useToast();
  const have = new Set(product.variants.map((v) => comboKey(product.options, v.options)));
  const missing = combinations(product.options).filter((c) => !have.has(comboKey(product.options, c))).length;

  /** Creates a variant for every combination of `options` that has none (the variants are re-read: saving options changes them). */
  const generate = async (options: ProductOption[]) => {
    try {
      const existing = await ok(shop.GET('/api/products/{id}/variants/', { params: { path: { id: product.id } } }));
      const taken = new Set(existing.map((v) => comboKey(options, v.options)));
      const wanted = combinations(options).filter((c) => !taken.has(comboKey(options, c)));
      if (wanted.length === 0) {
        toast.ok('Every combination already has a variant.');
        return;
      }
      // New variants start at the product's lowest price with no stock; the grid sets the rest.
      const price = existing[0]?.price ?? product.price;
      await ok(
        shop.POST('/api/products/{id}/variants/bulk/', {
          params: { path: { id: product.id } },
          body: { variants: wanted.map((combo) => ({ options: combo, price, stock: 0 })) },
        }),
      );
      toast.ok(`Created ${wanted.length} variant${wanted.length === 1 ? '' : 's'}.`);
    } catch (err) {
      toast.error(err);
    } finally {
      reload();
    }
  };

  return (
    <>
      <ProductImages productId={product.id} images={product.images} onChanged={reload} />
      <OptionsEditor
        key={JSON.stringify(product.options)}
        productId={product.id}
        saved={product.options}
        missing={missing}
        onSaved={reload}
        onGenerate={generate}
      />
      <VariantsGrid
        key={JSON.stringify(product.variants)}
        productId={product.id}
        variants={product.variants}
        images={product.images}
        onSaved={reload}
      />
    </>
  );
}
