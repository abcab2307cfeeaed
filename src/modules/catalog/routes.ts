import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import {
  Category,
  CategoryBody,
  CategoryList,
  CategoryPage,
  CategoryPatchBody,
  IdParams,
  LowStockList,
  LowStockQuery,
  PageQueryParams,
  problems,
  ProductBody,
  ProductDetail,
  ProductList,
  ProductListQuery,
  ProductPage,
  ProductPatchBody,
  ProductRef,
  ProductUpdateBody,
  ref,
  SlugParams,
} from '../../contract/index.js';
import { assertPageExists, offsetOf, pageOf, pageParams, paged } from '../../http/pagination.js';
import { attachedBodyErrors } from '../../http/problem.js';
import * as categories from './categories.js';
import type { CountCache } from './counts.js';
import * as productsService from './products.js';
import { categoryView, lowStockView, productDetailView, productListView } from './views.js';
import { variantRoutes } from './variant-routes.js';

export interface CatalogRoutesOptions {
  database: Database;
  config: Config;
  counts: CountCache;
  /** Run around a product's deletion (the media module removes its images' files). */
  onProductDelete?: productsService.ProductDeleteHook[];
}

const CategoryRef = ref(Category);
const DetailRef = ref(ProductDetail);

export const categoryRoutes: FastifyPluginAsyncTypebox<CatalogRoutesOptions> = async (app, { database }) => {
  const tags = ['categories'];
  app.get(
    '/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Top-level categories with their sub-categories (paged)',
        querystring: PageQueryParams,
        response: { 200: ref(CategoryPage), ...problems(400, 404) },
      },
    },
    async (request) =>
      pageOf(request, pageParams(request.query), (await categories.categoryTree(database)).map(categoryView)),
  );

  app.get(
    '/all/',
    {
      config: { auth: 'none' },
      schema: { tags, summary: 'Every category, at any depth', response: { 200: ref(CategoryList) } },
    },
    async () => (await categories.allCategories(database)).map(categoryView),
  );

  app.post(
    '/',
    {
      config: { auth: 'admin' },
      attachValidation: true,
      schema: {
        tags,
        summary: 'Create a category',
        description: 'The slug is made from the name (`-2`, `-3`, … when taken). Names are unique, ignoring case.',
        body: ref(CategoryBody),
        response: { 201: CategoryRef, ...problems(400) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(categoryView(await categories.createCategory(database, request.body, attachedBodyErrors(request)))),
  );

  app.get(
    '/:slug/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'A category by slug, with its sub-categories',
        params: SlugParams,
        response: { 200: CategoryRef, ...problems(404) },
      },
    },
    async (request) => categoryView(await categories.getCategory(database.db, request.params.slug)),
  );

  for (const [method, body] of [
    ['PUT', ref(CategoryBody)],
    ['PATCH', ref(CategoryPatchBody)],
  ] as const) {
    app.route({
      method,
      url: '/:slug/',
      config: { auth: 'admin' },
      attachValidation: true,
      schema: {
        tags,
        summary: method === 'PUT' ? 'Replace a category' : 'Update a category',
        description: 'Moving a category under itself or one of its descendants is 400. The slug does not change.',
        params: SlugParams,
        body,
        response: { 200: CategoryRef, ...problems(400, 404) },
      },
      handler: async (request) =>
        categoryView(
          await categories.updateCategory(
            database,
            (request.params as { slug: string }).slug,
            request.body,
            attachedBodyErrors(request),
          ),
        ),
    });
  }

  app.delete(
    '/:slug/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Delete a category and its sub-categories',
        description: '409 when any of them still holds products.',
        params: SlugParams,
        response: { 204: Type.Null(), ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      await categories.deleteCategory(database, request.params.slug);
      return reply.code(204).send(null);
    },
  );
};

export const productRoutes: FastifyPluginAsyncTypebox<CatalogRoutesOptions> = async (
  app,
  { database, config, counts, onProductDelete = [] },
) => {
  const tags = ['products'];
  app.get(
    '/',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Active products (paged), with search, filters and ordering',
        description:
          '`search`: every whitespace-separated term must occur in the name or description (case-insensitive); ' +
          'without `ordering`, name matches come first. When nothing matches, products whose name resembles ' +
          'the terms are listed (typo tolerance). `category`: that category and its descendants.',
        querystring: ProductListQuery,
        response: { 200: ref(ProductPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const filter = productsService.productFilter(request.query);
      const { count, rows } = await productsService.listProducts(
        database,
        counts,
        filter,
        params.pageSize,
        offsetOf(params),
        request.query.include_inactive === true && (request.actor?.isStaff ?? false),
      );
      assertPageExists(params, count);
      const media = app.mediaBase(request);
      return paged(request, params, count, rows.map((r) => productListView(r, media)));
    },
  );

  app.get(
    '/featured/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Up to 10 active featured products, newest first',
        response: { 200: ref(ProductList) },
      },
    },
    async (request) => {
      const media = app.mediaBase(request);
      return (await productsService.featuredProducts(database)).map((r) => productListView(r, media));
    },
  );

  app.get(
    '/low_stock/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Active products with an active variant below the threshold, lowest first (at most 100)',
        description: 'Each row is the product’s list item with `low_variants`: its active variants below the threshold.',
        querystring: LowStockQuery,
        response: { 200: ref(LowStockList), ...problems(400) },
      },
    },
    async (request) => {
      const media = app.mediaBase(request);
      return (
        await productsService.lowStockProducts(database, request.query.threshold ?? config.lowStockThreshold)
      ).map((r) => lowStockView(r, media));
    },
  );

  app.get(
    '/:id/',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'A product by id or slug',
        description: 'Inactive products are 404 except to admins.',
        params: ProductRef,
        response: { 200: DetailRef, ...problems(404) },
      },
    },
    async (request) => {
      const staff = request.actor?.isStaff ?? false;
      const row = await productsService.readProduct(database, request.params.id, staff);
      return productDetailView(row, app.mediaBase(request), staff);
    },
  );

  app.post(
    '/',
    {
      config: { auth: 'admin' },
      attachValidation: true,
      schema: {
        tags,
        summary: 'Create a product',
        body: ref(ProductBody),
        response: { 201: DetailRef, ...problems(400) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          productDetailView(
            await productsService.createProduct(database, request.body, attachedBodyErrors(request)),
            app.mediaBase(request),
            true,
          ),
        ),
  );

  for (const [method, body] of [
    ['PUT', ref(ProductUpdateBody)],
    ['PATCH', ref(ProductPatchBody)],
  ] as const) {
    app.route({
      method,
      url: '/:id/',
      config: { auth: 'admin' },
      attachValidation: true,
      schema: {
        tags,
        summary: method === 'PUT' ? 'Replace a product' : 'Update a product',
        params: IdParams,
        body,
        response: { 200: DetailRef, ...problems(400, 404) },
      },
      handler: async (request) =>
        productDetailView(
          await productsService.updateProduct(
            database,
            (request.params as { id: number }).id,
            request.body,
            attachedBodyErrors(request),
          ),
          app.mediaBase(request),
          true,
        ),
    });
  }

  app.delete(
    '/:id/',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Delete a product that was never ordered',
        description: '409 when the product appears in an order: deactivate it instead.',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      await productsService.deleteProduct(database, request.params.id, onProductDelete);
      return reply.code(204).send(null);
    },
  );

  await app.register(variantRoutes, { database });
};
