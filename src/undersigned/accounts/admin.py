from django.contrib import admin

from .models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "is_staff", "is_moderator", "date_joined")
    list_filter = ("is_moderator", "is_staff")
    search_fields = ("email", "name")
    exclude = ("password",)
