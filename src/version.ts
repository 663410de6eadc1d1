/** connscope's version (the CLI's --version, the OpenTelemetry meter's version). */
export const VERSION = '0.1.0';
