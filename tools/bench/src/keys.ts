/** Key names shared by the workloads and the bare server. */
export const BUCKET = 'cairn-bench';
/** list10k lists its own bucket, holding exactly its keys */
export const LIST_BUCKET = 'cairn-bench-list';
export const LIST_PAGE = 1000;
export const listKey = (i: number): string => 'list/' + String(i).padStart(6, '0');
export const smallKey = (i: number): string => 'small/' + String(i).padStart(7, '0');
export const bigKey = (i: number): string => 'big/' + String(i).padStart(4, '0');
export const multipartKey = (i: number): string => 'multipart/' + String(i).padStart(3, '0');
