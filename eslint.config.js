// @ts-check
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "sandbox/controlplane/**", "crds/**", "deploy/**", ".terraplane/**", "dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      // Fakes and contract implementations are often async without awaiting anything.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Limits that keep functions readable (see ../shared/STYLE.md).
      complexity: ["warn", 12],
      "max-depth": ["warn", 3],
      "max-params": ["warn", 4],
    },
  },
  {
    // Import order (node built-ins, packages, then the project's own) and a line-length limit.
    // Import cycles are checked by core/structure.test.ts over the whole tree, faster than import-x/no-cycle.
    files: ["**/*.ts"],
    plugins: { "import-x": importX, "@stylistic": stylistic },
    rules: {
      "import-x/order": ["error", { groups: ["builtin", "external", ["parent", "sibling", "index"]], "newlines-between": "never" }],
      "@stylistic/max-len": ["error", { code: 200, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
