import { z } from "@hono/zod-openapi";
import { pageSchema } from "../lib/page";
import { Id, pathId } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

const Name = z.string().trim().min(1).max(80).openapi({ example: "Support" });
const Description = z.string().max(2000).nullable();

export const Team = z
  .object({
    id: Id,
    name: z.string(),
    description: z.string().nullable(),
    created_at: DateTime,
  })
  .openapi("Team");
export type Team = z.infer<typeof Team>;
export const TeamPage = pageSchema(Team, "TeamPage");

export const CreateTeam = z.strictObject({ name: Name, description: Description.optional() }).openapi("CreateTeam");
export const UpdateTeam = z
  .strictObject({ name: Name.optional(), description: Description.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateTeam");

export const Role = z.enum(["member", "manager"]).openapi("TeamRole");
export const Member = z.object({ team_fk: Id, user_fk: Id, username: z.string(), role: Role }).openapi("TeamMember");
export type Member = z.infer<typeof Member>;
export const MemberPage = pageSchema(Member, "TeamMemberPage");
export const PutMember = z.strictObject({ role: Role }).openapi("PutTeamMember");

export const MemberParams = z.object({ id: pathId("id"), user_id: pathId("user_id") });
