/**
 * A multipart request as a client sends it over the wire: the body encoded once, with its
 * Content-Type (boundary) and Content-Length, which a bare Request built from FormData lacks.
 */
export async function multipartRequest(
  url: string,
  form: FormData,
  headers: Record<string, string> = {},
): Promise<Request> {
  const encoded = new Response(form);
  const body = new Uint8Array(await encoded.arrayBuffer());
  return new Request(url, {
    method: "POST",
    headers: {
      ...headers,
      "content-type": encoded.headers.get("content-type")!,
      "content-length": String(body.byteLength),
    },
    body,
  });
}
