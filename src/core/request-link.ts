// Where a card's 查看详情 (and an approval centre's task) leads: the console's request page.
// It is served whatever platforms are on, signs the viewer in, and shows only what they may see.
export function requestPageUrl(publicUrl: string, requestId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console#/r/${encodeURIComponent(requestId)}`;
}
