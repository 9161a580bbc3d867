{#-
    dbt's grant and revoke statements on PostgreSQL (override the default__ macros, which dbt
    dispatches to the root project first). dbt pastes the grantees of a grant in unquoted, so a
    role from a variable could inject SQL (`x; drop schema ...`) and a mixed-case name would
    grant to its lower-case namesake; its revoke quotes them, but leaves a `"` in a name as is.
    Here every grantee is a quoted identifier.
-#}
{%- macro postgres__get_grant_sql(relation, privilege, grantees) -%}
    grant {{ privilege }} on {{ relation.render() }} to {{ quoted_grantees(grantees) }}
{%- endmacro -%}


{%- macro postgres__get_revoke_sql(relation, privilege, grantees) -%}
    revoke {{ privilege }} on {{ relation.render() }} from {{ quoted_grantees(grantees) }}
{%- endmacro -%}


{%- macro quoted_grantees(grantees) -%}
    {%- set quoted = [] -%}
    {%- for grantee in grantees -%}
        {%- do quoted.append(quoted_identifier(grantee)) -%}
    {%- endfor -%}
    {{- quoted | join(', ') -}}
{%- endmacro -%}
