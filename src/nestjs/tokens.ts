/** The injection token of the module's {@link KanmonRuntime} (the HTTP core and its request state). */
export const KANMON_RUNTIME = Symbol.for('kanmon.nestjs.runtime');
/** The injection token of the {@link KanmonModuleOptions} (`forRoot`'s object or `forRootAsync`'s factory result). */
export const KANMON_MODULE_OPTIONS = Symbol.for('kanmon.nestjs.options');
