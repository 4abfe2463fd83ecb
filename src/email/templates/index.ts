// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";

export const templates: Record<string, Template> = {};
