import AjvCompiler from "@fastify/ajv-compiler";
import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type ValidatorFactory = NonNullable<CompilersFactory["buildValidator"]>;
type SerializerFactory = NonNullable<CompilersFactory["buildSerializer"]>;

/** A compiled ajv validator: it reports why it refused on its own `errors` property. */
interface Validate {
  (data: unknown): boolean;
  errors?: unknown;
}

/**
 * Fastify's own schema compilers (ajv for requests, fast-json-stringify for responses), but each
 * route's schema is compiled on its first request instead of at start-up. Compiling the ~200
 * schemas of the API took about 0.3 s of every start, most of it for routes a node may not see
 * for hours; a first request now pays a millisecond or two instead. Schemas stay checked: the
 * bad-input suite sends a request to every route.
 */
export const lazySchemaCompilers: CompilersFactory = {
  buildValidator: ((externalSchemas, options) => {
    const compile = AjvCompiler()(externalSchemas, options);
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        validate ??= compile(route) as Validate;
        const isValid = validate(data);
        // Fastify reads the reasons from the function it was given.
        lazy.errors = validate.errors;
        return isValid;
      };
      return lazy;
    };
  }) as ValidatorFactory,
  buildSerializer: ((externalSchemas, options) => {
    const compile = SerializerSelector()(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc: unknown) => {
        serialize ??= compile(route);
        return serialize(doc);
      };
    };
  }) as SerializerFactory,
};
