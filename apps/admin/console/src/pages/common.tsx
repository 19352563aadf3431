import { ApiError } from '../api';

/** An error in place, announced to screen readers. */
export function ErrorBox({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  const text = error instanceof ApiError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
  return (
    <p class="error" role="alert" id={id}>
      {text}
    </p>
  );
}

export function Notice({ text }: { text?: string }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}

export const fmtDate = (s?: string | null) => (s ? new Date(s).toLocaleString() : '');
