from django.core.management.base import BaseCommand, CommandError

from crm.exceptions import ApplicationError
from crm.services import user_create_or_update


class Command(BaseCommand):
    help = "Create or update a user, set its roles (group names of SPEC §1) and add it to a team."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="Set (or reset) the password.")
        parser.add_argument("--roles", default="", help="Comma-separated: clerk,account_manager,...")
        parser.add_argument("--team", help="Team (department or branch); created when missing.")
        parser.add_argument("--email")
        parser.add_argument("--first-name")
        parser.add_argument("--last-name")
        parser.add_argument("--head", action="store_true", help="Make the user the team's head.")

    def handle(self, *args, **options):
        try:
            user, created = user_create_or_update(
                username=options["username"],
                password=options["password"],
                roles=options["roles"].split(",") if options["roles"] else [],
                team_name=options["team"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                team_head=options["head"],
            )
        except ApplicationError as error:
            raise CommandError(str(error.message))
        roles = ", ".join(user.groups.values_list("name", flat=True)) or "-"
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} user {user.username} (roles: {roles})"))
