// Stylesheets are bundled by esbuild (imported for their effect).
declare module '*.css';
