import { ok, shop } from '../api';
import { config } from '../config';
import { Link } from '../router';
import { Alert, Loading, ProductGrid, useLoad } from '../ui';

export function Home() {
  const featured = useLoad(() => ok(shop().GET('/api/products/featured/')), []);
  const latest = useLoad(
    () => ok(shop().GET('/api/products', { params: { query: { page_size: 8 } } })),
    [],
  );
  const categories = useLoad(() => ok(shop().GET('/api/categories/all/')), []);
  const top = (categories.data ?? []).filter((c) => c.parent === null);
  return (
    <>
      <section className="hero">
        <div>
          <p className="eyebrow">Hand-picked · Shipped across India</p>
          <h1>Things made well, for every day.</h1>
          <p className="lede">
            Hand-picked clothing, home and kitchen goods from {config().shopName}. Pay by UPI, card
            or net banking.
          </p>
          <Link to="/search" className="button">
            Browse everything
          </Link>
        </div>
      </section>

      {top.length > 0 && (
        <section aria-labelledby="categories-heading">
          <h2 id="categories-heading">Shop by category</h2>
          <ul className="chips">
            {top.map((c) => (
              <li key={c.id}>
                <Link to={`/category/${c.slug}`} className="chip">
                  {c.name}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="featured-heading">
        <h2 id="featured-heading">Featured</h2>
        {featured.error && <Alert>{featured.error}</Alert>}
        {featured.loading ? (
          <Loading />
        ) : (
          featured.data && <ProductGrid products={featured.data} empty="Nothing featured yet." />
        )}
      </section>

      <section aria-labelledby="latest-heading">
        <h2 id="latest-heading">New arrivals</h2>
        {latest.error && <Alert>{latest.error}</Alert>}
        {latest.loading ? (
          <Loading />
        ) : (
          latest.data && <ProductGrid products={latest.data.results} />
        )}
      </section>
    </>
  );
}
