import type { paths, ResponseBody, Schemas } from '@shop/client';
import { type DragEvent, useRef, useState } from 'react';
import { errorText, ok, shop, uploadForm } from '../api';
import { useToast } from '../ui';

type ProductImage = Schemas['ProductImage'];

/** The upload route, checked against the contract (the upload itself goes through XMLHttpRequest, for its progress). */
const UPLOAD = '/api/products/{id}/images/' satisfies keyof paths;

/** The types the API accepts (it checks the bytes; this only narrows the file picker). */
const ACCEPT = 'image/jpeg,image/png,image/webp,image/avif';

interface Pending {
  key: number;
  name: string;
  /** A data: URL (the admin's CSP allows data: images, not blob:). */
  preview: string | null;
  progress: number;
  error: string | null;
}

function readPreview(file: File): Promise<string | null> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null);
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(file);
  });
}

const isFileDrag = (e: DragEvent) => e.dataTransfer.types.includes('Files');

/** A product's images: upload (drop or pick), alt text, order and delete. */
export function ProductImages({
  productId,
  images,
  onChanged,
}: {
  productId: number;
  images: ProductImage[];
  onChanged: () => void;
}) {
  const toast = useToast();
  const [pending, setPending] = useState<Pending[]>([]);
  const [dropping, setDropping] = useState(false);
  const [dragged, setDragged] = useState<number | null>(null);
  const nextKey = useRef(1);
  const picker = useRef<HTMLInputElement>(null);
  const sorted = [...images].sort((a, b) => a.position - b.position);

  const update = (key: number, change: Partial<Pending>) =>
    setPending((list) => list.map((p) => (p.key === key ? { ...p, ...change } : p)));

  const uploadOne = async (file: File, key: number) => {
    const form = new FormData();
    form.append('file', file);
    form.append('alt', '');
    try {
      await uploadForm<ResponseBody<'postApiProductsIdImages', 201>>(UPLOAD.replace('{id}', String(productId)), form, (progress) =>
        update(key, { progress }),
      );
      setPending((list) => list.filter((p) => p.key !== key));
      onChanged();
    } catch (err) {
      update(key, { error: errorText(err) });
      toast.error(`${file.name}: ${errorText(err)}`);
    }
  };

  const upload = async (files: File[]) => {
    const jobs = files.map((file) => ({ file, key: nextKey.current++ }));
    setPending((list) => [...list, ...jobs.map(({ file, key }) => ({ key, name: file.name, preview: null, progress: 0, error: null }))]);
    for (const { file, key } of jobs) void readPreview(file).then((preview) => update(key, { preview }));
    // One at a time, so the images keep the order they were chosen in.
    for (const { file, key } of jobs) await uploadOne(file, key);
  };

  const patch = async (image: ProductImage, body: { alt?: string; position?: number }, done?: string) => {
    try {
      await ok(shop.PATCH('/api/products/{id}/images/{image_id}/', { params: { path: { id: productId, image_id: image.id } }, body }));
      if (done) toast.ok(done);
      onChanged();
    } catch (err) {
      toast.error(err);
    }
  };

  const remove = async (image: ProductImage, index: number) => {
    if (!confirm(`Delete image ${index + 1}${image.alt ? ` (“${image.alt}”)` : ''}? Its files are removed too.`)) return;
    try {
      await ok(shop.DELETE('/api/products/{id}/images/{image_id}/', { params: { path: { id: productId, image_id: image.id } } }));
      toast.ok(`Image ${index + 1} deleted.`);
      onChanged();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="card" data-testid="product-images">
      <div className="card-head">
        <h2>Images</h2>
        <span className="muted small">The first image is the product’s thumbnail. JPEG, PNG, WebP or AVIF.</span>
      </div>
      <ul className="image-grid" aria-label="Product images">
        {sorted.map((image, index) => (
          <li
            key={image.id}
            className={`image-card${dragged === image.id ? ' dragging' : ''}`}
            data-image-id={image.id}
            draggable
            onDragStart={(e) => {
              setDragged(image.id);
              e.dataTransfer.effectAllowed = 'move';
              e.dataTransfer.setData('text/plain', String(image.id));
            }}
            onDragEnd={() => setDragged(null)}
            onDragOver={(e) => {
              if (dragged !== null) e.preventDefault();
            }}
            onDrop={(e) => {
              if (dragged === null || isFileDrag(e)) return;
              e.preventDefault();
              e.stopPropagation();
              const moving = sorted.find((i) => i.id === dragged);
              setDragged(null);
              if (moving && moving.id !== image.id) void patch(moving, { position: image.position });
            }}
          >
            <img src={image.sizes.thumb} alt={image.alt} width={160} height={160} loading="lazy" />
            <span className="image-position">{index + 1}</span>
            <AltEditor image={image} index={index} onSave={(alt) => patch(image, { alt }, `Alt text of image ${index + 1} saved.`)} />
            <div className="row-actions">
              <button
                type="button"
                className="small secondary"
                aria-label={`Move image ${index + 1} earlier`}
                disabled={index === 0}
                onClick={() => void patch(image, { position: image.position - 1 })}
              >
                ←
              </button>
              <button
                type="button"
                className="small secondary"
                aria-label={`Move image ${index + 1} later`}
                disabled={index === sorted.length - 1}
                onClick={() => void patch(image, { position: image.position + 1 })}
              >
                →
              </button>
              <span className="muted small image-size">
                {image.width}×{image.height}
              </span>
              <button type="button" className="small danger" aria-label={`Delete image ${index + 1}`} onClick={() => void remove(image, index)}>
                Delete
              </button>
            </div>
          </li>
        ))}
        {pending.map((p) => (
          <li key={p.key} className={`image-card pending${p.error ? ' failed' : ''}`} data-testid="image-upload" aria-busy={!p.error}>
            {p.preview ? (
              <img
                src={p.preview}
                alt={`Preview of ${p.name}`}
                width={160}
                height={160}
                // Not an image the browser can show (the API will say what it thinks of it).
                onError={() => update(p.key, { preview: null })}
              />
            ) : (
              <div className="image-placeholder">No preview</div>
            )}
            <div className="small image-name" title={p.name}>
              {p.name}
            </div>
            {p.error ? (
              <div className="upload-error" role="alert">
                <span>{p.error}</span>
                <button type="button" className="small secondary" onClick={() => setPending((l) => l.filter((x) => x.key !== p.key))}>
                  Dismiss
                </button>
              </div>
            ) : (
              <div className="upload-progress">
                {/* Indeterminate until the browser reports bytes sent. */}
                <progress max={1} value={p.progress > 0 ? p.progress : undefined} aria-label={`Uploading ${p.name}`} />
                <span className="small muted">
                  {p.progress === 0 ? 'Uploading…' : p.progress < 1 ? `${Math.round(p.progress * 100)}%` : 'Processing…'}
                </span>
              </div>
            )}
          </li>
        ))}
      </ul>
      <div
        className={`dropzone${dropping ? ' over' : ''}`}
        data-testid="image-dropzone"
        onDragOver={(e) => {
          if (!isFileDrag(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDropping(true);
        }}
        onDragLeave={() => setDropping(false)}
        onDrop={(e) => {
          if (!isFileDrag(e)) return;
          e.preventDefault();
          setDropping(false);
          void upload([...e.dataTransfer.files]);
        }}
      >
        <p>
          Drop images here, or{' '}
          <button type="button" className="secondary small" onClick={() => picker.current?.click()}>
            choose files…
          </button>
        </p>
        <input
          ref={picker}
          type="file"
          accept={ACCEPT}
          multiple
          className="sr-only"
          aria-label="Upload images"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) void upload(files);
          }}
        />
      </div>
    </div>
  );
}

function AltEditor({ image, index, onSave }: { image: ProductImage; index: number; onSave: (alt: string) => Promise<void> }) {
  const [value, setValue] = useState(image.alt);
  const [busy, setBusy] = useState(false);
  const changed = value !== image.alt;
  return (
    <form
      className="alt-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (!changed) return;
        setBusy(true);
        void onSave(value).finally(() => setBusy(false));
      }}
    >
      <input aria-label={`Alt text of image ${index + 1}`} placeholder="Alt text" value={value} onChange={(e) => setValue(e.target.value)} />
      {changed ? (
        <button type="submit" className="small" disabled={busy}>
          Save
        </button>
      ) : null}
    </form>
  );
}

