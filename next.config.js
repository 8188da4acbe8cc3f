/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or WASM-backed server packages are loaded from node_modules at run time
  // instead of being bundled.
  serverExternalPackages: [
    "@node-rs/argon2",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "sharp",
    // DICOM codecs (WebAssembly loaded from their own folders), parsers and the S3 client.
    "@cornerstonejs/codec-charls",
    "@cornerstonejs/codec-openjpeg",
    "jpeg-lossless-decoder-js",
    "dicom-parser",
    "dcmjs",
    "yauzl",
    "@aws-sdk/client-s3",
    "@aws-sdk/lib-storage",
  ],
  poweredByHeader: false,
  // `npm test` type-checks the whole project (tsc --noEmit); repeating it here would only
  // slow down the first `npm start`.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          // No referrer leaves the app: item URLs are per-reader handles.
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
          {
            key: "Content-Security-Policy",
            // Next.js hydrates with inline scripts, hence 'unsafe-inline' for scripts; images
            // come from this origin, and data:/blob: URLs serve chart downloads.
            value: [
              "default-src 'self'",
              "script-src 'self' 'unsafe-inline'",
              "style-src 'self' 'unsafe-inline'",
              "img-src 'self' data: blob:",
              "connect-src 'self'",
              "font-src 'self'",
              "object-src 'none'",
              "base-uri 'self'",
              "form-action 'self'",
              "frame-ancestors 'none'",
            ].join("; "),
          },
        ],
      },
    ];
  },
};

export default nextConfig;
