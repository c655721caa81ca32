from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "spotcheck.registry"
    label = "registry"
    verbose_name = "检查对象名录库"

    def ready(self) -> None:
        from spotcheck.accounts.hooks import (
            EntityFinder,
            ReferenceStep,
            register_entity_finder,
            register_reference_step,
        )
        from spotcheck.accounts.predicates import STAFF
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.registry.models import KeyFieldTag
        from spotcheck.registry.selectors import entity_by_pk, entity_by_uscc
        from spotcheck.registry.services import key_field_tags_ensure

        # accounts sits below registry: the enterprise-account pages find entities, and the
        # reference sync seeds the key-field vocabulary (R-A1), through these registrations.
        register_entity_finder(EntityFinder(by_pk=entity_by_pk, by_uscc=entity_by_uscc))
        register_reference_step("key_field_tags",
                                ReferenceStep(run=key_field_tags_ensure, models=(KeyFieldTag,)))

        # An enterprise may open its own record, but the library is not its menu's.
        register(NavItem("检查对象名录库", "registry:entities", "registry.view_entity", audience=STAFF))
