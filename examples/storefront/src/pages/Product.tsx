// A product: its pictures, the variant picker (one choice per option → the variant, with its
// own price, stock and picture) and "Add to cart".
import { useEffect, useMemo, useState } from 'react';
import type { Schemas } from '@shop/client';
import { changeCart, errorText, money, ok, shop } from '../api';
import { Link } from '../router';
import { Alert, Loading, ProductImage, useLoad } from '../ui';

type Product = Schemas['ProductDetail'];
type Variant = Schemas['Variant'];
type Choice = Record<string, string>;

const matches = (variant: Variant, choice: Choice) =>
  Object.entries(choice).every(([name, value]) => variant.options[name] === value);

/** The first variant in stock (else the first) is the one shown at first. */
function initialChoice(product: Product): Choice {
  const first = product.variants.find((v) => v.stock > 0) ?? product.variants[0];
  return { ...(first?.options ?? {}) };
}

export function ProductPage({ slug }: { slug: string }) {
  const {
    data: product,
    error,
    loading,
  } = useLoad(
    () => ok(shop().GET('/api/products/{id}/', { params: { path: { id: slug } } })),
    [slug],
  );
  if (loading) return <Loading />;
  if (error || !product) {
    return (
      <section>
        <h1>Product not found</h1>
        <Alert>{error ?? 'This product is not available.'}</Alert>
        <Link to="/search">See every product</Link>
      </section>
    );
  }
  return <ProductView key={product.id} product={product} />;
}

function ProductView({ product }: { product: Product }) {
  const [choice, setChoice] = useState<Choice>(() => initialChoice(product));
  const variant = useMemo(
    () => product.variants.find((v) => matches(v, choice)) ?? null,
    [product, choice],
  );
  const [imageIndex, setImageIndex] = useState(0);
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  // A variant with a picture of its own shows it.
  useEffect(() => {
    if (variant?.image_id == null) return;
    const index = product.images.findIndex((i) => i.id === variant.image_id);
    if (index >= 0) setImageIndex(index);
  }, [variant, product.images]);
  useEffect(() => setQuantity(1), [variant?.id]);

  const pick = (name: string, value: string) => {
    const next = { ...choice, [name]: value };
    // A combination that does not exist: the nearest variant with the value just picked.
    const exact = product.variants.find((v) => matches(v, next));
    const near = exact ?? product.variants.find((v) => v.options[name] === value);
    setChoice(near ? { ...near.options } : next);
    setMessage(null);
  };

  const add = async () => {
    if (!variant) return;
    setBusy(true);
    setMessage(null);
    try {
      await changeCart(
        shop().POST('/api/cart/add/', { body: { variant_id: variant.id, quantity } }),
      );
      setMessage({
        kind: 'ok',
        text: `Added ${quantity} × ${product.name}${variant.title !== 'Default' ? ` (${variant.title})` : ''} to your cart.`,
      });
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const image = product.images[imageIndex] ?? product.images[0];
  const maxQuantity = Math.min(variant?.stock ?? 0, 999);

  return (
    <article className="product">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Home</Link> /{' '}
        <Link to={`/category/${product.category.slug}`}>{product.category.name}</Link> /{' '}
        <span>{product.name}</span>
      </nav>
      <div className="product-layout">
        <div className="gallery">
          {image ? (
            <img
              className="gallery-main"
              src={image.sizes.medium}
              srcSet={`${image.sizes.medium} 600w, ${image.sizes.large} 1200w`}
              sizes="(max-width: 800px) 100vw, 50vw"
              alt={image.alt || product.name}
              width={image.width}
              height={image.height}
            />
          ) : (
            <ProductImage src={product.image_url} alt={product.name} className="gallery-main" />
          )}
          {product.images.length > 1 && (
            <ul className="thumbs" aria-label="More pictures">
              {product.images.map((img, i) => (
                <li key={img.id}>
                  <button
                    type="button"
                    className={i === imageIndex ? 'thumb active' : 'thumb'}
                    aria-label={`Picture ${i + 1}${img.alt ? `: ${img.alt}` : ''}`}
                    aria-pressed={i === imageIndex}
                    onClick={() => setImageIndex(i)}
                  >
                    <img src={img.sizes.thumb} alt="" />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>

        <div className="buy">
          <p className="card-category">{product.category.name}</p>
          <h1>{product.name}</h1>
          <p className="product-price">
            <span data-testid="variant-price">{money(variant?.price ?? product.price)}</span>
            {variant?.compare_at_price && variant.compare_at_price !== variant.price && (
              <s className="compare" aria-label={`was ${money(variant.compare_at_price)}`}>
                {money(variant.compare_at_price)}
              </s>
            )}
            <span className="tax-note">incl. GST</span>
          </p>

          {product.options.map((option) => (
            <fieldset key={option.name} className="option">
              <legend>
                {option.name}: <strong>{choice[option.name]}</strong>
              </legend>
              <div className="pills">
                {option.values.map((value) => {
                  const candidate = product.variants.find((v) =>
                    matches(v, { ...choice, [option.name]: value }),
                  );
                  const state = !candidate ? 'unavailable' : candidate.stock === 0 ? 'soldout' : '';
                  return (
                    <label key={value} className={`pill ${state}`}>
                      <input
                        type="radio"
                        name={`option-${option.name}`}
                        value={value}
                        checked={choice[option.name] === value}
                        onChange={() => pick(option.name, value)}
                      />
                      <span>{value}</span>
                    </label>
                  );
                })}
              </div>
            </fieldset>
          ))}

          <p className="stock" data-testid="variant-stock">
            {!variant
              ? 'This combination is not available.'
              : variant.stock === 0
                ? 'Sold out'
                : variant.stock <= 5
                  ? `Only ${variant.stock} left`
                  : 'In stock'}
          </p>

          <div className="add-row">
            <label className="sr-only" htmlFor="quantity">
              Quantity
            </label>
            <input
              id="quantity"
              type="number"
              min={1}
              max={Math.max(1, maxQuantity)}
              value={quantity}
              onChange={(e) =>
                setQuantity(
                  Math.max(1, Math.min(Math.max(1, maxQuantity), Number(e.target.value) || 1)),
                )
              }
              disabled={!variant || variant.stock === 0}
            />
            <button
              type="button"
              onClick={() => void add()}
              disabled={busy || !variant || variant.stock === 0}
            >
              {busy ? 'Adding…' : 'Add to cart'}
            </button>
          </div>
          {message && (
            <Alert kind={message.kind}>
              {message.text} {message.kind === 'ok' && <Link to="/cart">View cart</Link>}
            </Alert>
          )}
          {variant && variant.title !== 'Default' && <p className="sku">SKU {variant.sku}</p>}
          {product.description && (
            <div className="description">
              {product.description.split(/\n{2,}/).map((para, i) => (
                <p key={i}>{para}</p>
              ))}
            </div>
          )}
        </div>
      </div>
    </article>
  );
}
