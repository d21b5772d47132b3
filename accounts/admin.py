from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ExpertProfile, Invitation, Membership, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg,unused-ignore]  # the stubs want an AbstractUser; ours is AbstractBaseUser
    ordering = ("email",)
    list_display = ("email", "full_name", "locale", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "locale")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "locale", "time_zone")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = (
        "name",
        "kind",
        "prefecture",
        "industry",
        "employees",
        "capital_jpy",
        "size_class_label",
        "vetting_status",
    )
    list_filter = ("kind", "vetting_status", "prefecture", "industry", "sectors")
    search_fields = ("name", "corporate_number", "external_id", "description")
    filter_horizontal = ("sectors", "capabilities", "certifications")
    # Vetting is decided on the bureau pages (who and when are recorded there), never here.
    readonly_fields = (
        "size_class_label",
        "vetting_status",
        "vetting_reason",
        "vetting_note",
        "vetted_by",
        "vetted_at",
        "created_at",
        "updated_at",
    )
    inlines = (MembershipInline,)
    list_per_page = 50

    @admin.display(description=_("size class"))
    def size_class_label(self, obj: Organisation) -> str:
        return obj.size_class_label


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at")
    search_fields = ("email", "organisation__name")
    readonly_fields = ("token",)


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin[ExpertProfile]):
    list_display = ("name", "expert_type", "prefecture", "capacity", "active_engagements")
    list_filter = ("expert_type", "prefecture")
    search_fields = ("name", "bio", "external_id", "user__email")
    filter_horizontal = ("sectors", "skills", "regions")
    autocomplete_fields = ("user", "organisation")
